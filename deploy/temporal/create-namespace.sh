#!/bin/sh
# One-shot namespace setup (temporalio/admin-tools): waits for the frontend, creates ibfleet's
# namespace and registers ibfleet's custom search attributes (IBFLEET_SEARCH_ATTRIBUTES, "Name=Type,...",
# kept equal to common/search-attributes.ts by test/production/compose.test.ts). Idempotent.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${IBFLEET_NAMESPACE:?IBFLEET_NAMESPACE is required}"
: "${IBFLEET_SEARCH_ATTRIBUTES:?IBFLEET_SEARCH_ATTRIBUTES is required}"
RETENTION=${IBFLEET_NAMESPACE_RETENTION:-30d}
export TEMPORAL_ADDRESS

retry() { # up to 60 attempts, 2 s apart
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 60 ]; then
      echo "giving up: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

echo "waiting for Temporal at $TEMPORAL_ADDRESS"
retry temporal operator cluster health >/dev/null 2>&1

if temporal operator namespace describe --namespace "$IBFLEET_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $IBFLEET_NAMESPACE already exists"
else
  retry temporal operator namespace create --namespace "$IBFLEET_NAMESPACE" --retention "$RETENTION"
  echo "namespace $IBFLEET_NAMESPACE created (retention $RETENTION)"
fi

# A new namespace reaches every frontend's cache a few seconds later; until then this fails.
retry temporal operator search-attribute list --namespace "$IBFLEET_NAMESPACE" -o json >/dev/null 2>&1
existing=$(temporal operator search-attribute list --namespace "$IBFLEET_NAMESPACE" -o json)
for spec in $(echo "$IBFLEET_SEARCH_ATTRIBUTES" | tr ',' ' '); do
  name=${spec%%=*}
  type=${spec#*=}
  if echo "$existing" | grep -q "\"$name\""; then
    echo "search attribute $name already registered"
  else
    retry temporal operator search-attribute create --namespace "$IBFLEET_NAMESPACE" --name "$name" --type "$type"
    echo "search attribute $name ($type) registered"
  fi
done
