#!/usr/bin/env bash
# Everything the tests need on a fresh Debian/Ubuntu machine, installed only when missing (idempotent, quiet
# when all is there). `npm test` runs it first, so the README's test command sets itself up; .ci/run runs
# exactly that command.
#   - Debian packages: the OpenSSH client (cross-checks the simulator and host keys), openssl (test certificates
#     for the mTLS test), Chromium (the Temporal UI browser test), Ansible (its raw module against the simulator).
#   - The pinned Temporal CLI (dev server + Web UI), built once into .temporal/bin when not on PATH.
#   - The simulated vCenter (simulator/vcenter) and the pinned govc, built into .vcsim/bin (scripts/vcsim.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"

missing=()
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[[ -x "${IBFLEET_CHROMIUM:-/usr/bin/chromium}" ]] || missing+=(chromium)
[[ -x /usr/bin/ansible ]] || missing+=(ansible)

if ((${#missing[@]})); then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "test set-up: missing Debian packages: $packages" >&2
    echo "install them as root (apt-get install -y --no-install-recommends $packages) and run npm test again" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "test set-up: missing $packages and no apt-get here; install them with this system's package manager" >&2
    exit 1
  fi
  echo "test set-up: installing $packages (once)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends $packages >&2
fi

bash scripts/temporal-cli.sh >/dev/null
bash scripts/vcsim.sh >/dev/null
bash scripts/vcsim.sh govc >/dev/null
