#!/usr/bin/env bash
# Prints the path of a vSphere tool that ibfleet uses, building it into .vcsim/bin when missing:
#   scripts/vcsim.sh            the simulated vCenter (simulator/vcenter: govmomi's simulator,
#                               github.com/vmware/govmomi v0.56.0 as a library, pinned in its go.mod),
#                               rebuilt when its sources are newer than the binary
#   scripts/vcsim.sh govc       govc, the vSphere CLI, pinned to v0.46.3: later tags are nested
#                               modules with `replace` directives that `go install` refuses
# $IBFLEET_GOVC points at another govc binary (used as it is).
set -euo pipefail

GOVC_VERSION=v0.46.3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$root/.vcsim/bin"
tool=${1:-vcsim}

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
need_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "Go >= 1.25 is needed to build $1 (https://go.dev/dl/); none is installed" >&2
    exit 1
  fi
}

case "$tool" in
  govc)
    if [[ -n "${IBFLEET_GOVC:-}" ]]; then
      if [[ -x "$IBFLEET_GOVC" ]]; then echo "$IBFLEET_GOVC"; exit 0; fi
      echo "IBFLEET_GOVC=$IBFLEET_GOVC is not an executable file" >&2
      exit 1
    fi
    if [[ -x "$bin_dir/govc" ]]; then echo "$bin_dir/govc"; exit 0; fi
    need_go govc
    mkdir -p "$bin_dir"
    echo "Building govc $GOVC_VERSION into $bin_dir (once)..." >&2
    GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "github.com/vmware/govmomi/govc@$GOVC_VERSION" >&2
    echo "$bin_dir/govc"
    ;;
  vcsim)
    src="$root/simulator/vcenter"
    out="$bin_dir/vcsim-fleet"
    if [[ -x "$out" ]] && [[ -z $(find "$src" -maxdepth 1 \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -newer "$out" -print -quit) ]]; then
      echo "$out"
      exit 0
    fi
    need_go "the simulated vCenter"
    mkdir -p "$bin_dir"
    echo "Building the simulated vCenter into $bin_dir..." >&2
    (cd "$src" && GOFLAGS="-buildvcs=false -mod=readonly" go build -o "$out" .) >&2
    echo "$out"
    ;;
  *)
    echo "usage: scripts/vcsim.sh [vcsim|govc]" >&2
    exit 2
    ;;
esac
