#!/bin/sh
# The ibfleet worker's entry point: `npm run worker` (TypeScript through tsx) and the image's CMD
# (dist/worker/start.sh, compiled). Node fixes a heap's limit when it creates the heap, so the worker's
# heap limit (derived from IBFLEET_WORKER_MEMORY_MB by node-options, README "Sizing") is given to Node
# on its command line. `exec` replaces this shell with the worker: nothing else stays resident, and the
# pid a supervisor or terminal signals is the worker's. Arguments are passed on to the worker.
set -eu

here=$(dirname -- "$0")
if [ -f "$here/main.js" ]; then
  loader=''
  ext=js
else
  loader='--require tsx/cjs'
  ext=ts
fi

# A bad budget exits 2 here, naming IBFLEET_WORKER_MEMORY_MB, before the worker starts.
# shellcheck disable=SC2086 # $loader is empty or two words
node_options=$(node $loader "$here/node-options.$ext") || exit $?

# shellcheck disable=SC2086 # $loader and $node_options are lists of options
exec node $loader $node_options "$here/main.$ext" "$@"
