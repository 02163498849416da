#!/bin/sh
# One-shot schema setup (temporalio/admin-tools): creates Temporal's two PostgreSQL databases, the
# default store and the visibility store, and brings both schemas up to date.
# Safe to re-run on every `docker compose up`: an existing database is kept, setup-schema leaves an
# existing schema version alone, and update-schema only applies versions newer than the stored one.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}" # read by temporal-sql-tool itself
PORT=${DB_PORT:-5432}
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" "$@"
}

setup() { # database, schema directory name
  if out=$(sql --db "$1" create 2>&1); then
    echo "created database $1"
  elif echo "$out" | grep -q 'already exists'; then
    echo "database $1 already exists"
  else
    echo "$out" >&2
    exit 1
  fi
  sql --db "$1" setup-schema -v 0.0
  sql --db "$1" update-schema -d "$SCHEMA_DIR/$2/versioned"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo 'PostgreSQL schemas are up to date'
