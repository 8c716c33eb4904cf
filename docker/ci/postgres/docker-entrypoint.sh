#!/bin/bash
# The public postgres image's start-up contract, for the CI stand-in: on an empty PGDATA, initdb with the superuser
# POSTGRES_USER (default postgres) and POSTGRES_PASSWORD (scram-sha-256 over TCP), POSTGRES_DB created if it is
# another database, then a server on the Unix socket only runs the scripts in /docker-entrypoint-initdb.d; then the
# real server, listening on every interface, replaces this script. Any other command (psql, bash ...) runs as it
# is, as in the public image.
set -euo pipefail
case "${1:-postgres}" in
  postgres) shift || true ;;
  -*) ;;
  *) exec "$@" ;;
esac
export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C -D "$PGDATA" >/dev/null
  printf 'host all all all scram-sha-256\nhost replication all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  # The initialisation server logs "ready to accept connections" too, as the public image's does (Testcontainers
  # waits for the second one).
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -k /var/run/postgresql" start
  export PGHOST=/var/run/postgresql
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
  fi
  for script in /docker-entrypoint-initdb.d/*; do
    case "$script" in
      *.sh) echo "running $script"; bash "$script" ;;
      *.sql) echo "running $script"; psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f "$script" ;;
    esac
  done
  unset PGHOST
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "PostgreSQL init process complete; ready for start up."
fi
exec postgres -c listen_addresses='*' -k /var/run/postgresql "$@"
