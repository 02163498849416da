#!/usr/bin/env bash
# Prints the path of the Temporal CLI (dev server + Web UI) that ibfleet uses, building it once if needed.
# Order: $TEMPORAL_CLI, `temporal` on PATH, .temporal/bin/temporal, else `go install` of the pinned tag.
# v1.5.1 is pinned because later tags carry a `replace` directive that `go install` refuses.
set -euo pipefail

TEMPORAL_CLI_VERSION=v1.5.1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$root/.temporal/bin"

if [[ -n "${TEMPORAL_CLI:-}" ]]; then
  if [[ -x "$TEMPORAL_CLI" ]]; then echo "$TEMPORAL_CLI"; exit 0; fi
  echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2
  exit 1
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [[ -x "$bin_dir/temporal" ]]; then echo "$bin_dir/temporal"; exit 0; fi

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
The Temporal CLI was not found and Go is not installed to build it. Install the CLI one of these ways:
  - Homebrew:        brew install temporal
  - Release archive: https://github.com/temporalio/cli/releases (put 'temporal' on PATH)
  - Go >= 1.23:      GOBIN=$bin_dir go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION
or point TEMPORAL_CLI at an existing binary.
MSG
  exit 1
fi

mkdir -p "$bin_dir"
echo "Building the Temporal CLI $TEMPORAL_CLI_VERSION into $bin_dir (once; takes a few minutes)..." >&2
GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2
echo "$bin_dir/temporal"
