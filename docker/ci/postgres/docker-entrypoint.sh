#!/bin/bash
# The public postgres image's start-up contract, for the CI stand-in: on an empty PGDATA, initdb with the superuser
# "postgres" and POSTGRES_PASSWORD (scram-sha-256 over TCP), then a server on the Unix socket only runs the scripts
# in /docker-entrypoint-initdb.d; then the real server, listening on every interface, replaces this script.
# Any other command (psql, bash ...) runs as it is, as in the public image.
set -euo pipefail
case "${1:-postgres}" in
  postgres) shift || true ;;
  -*) ;;
  *) exec "$@" ;;
esac
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  initdb --username=postgres --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C -D "$PGDATA" >/dev/null
  printf 'host all all all scram-sha-256\nhost replication all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -k /var/run/postgresql" start >/dev/null
  export PGHOST=/var/run/postgresql POSTGRES_USER=postgres
  for script in /docker-entrypoint-initdb.d/*; do
    case "$script" in
      *.sh) echo "running $script"; bash "$script" ;;
      *.sql) echo "running $script"; psql -v ON_ERROR_STOP=1 -U postgres -d postgres -f "$script" ;;
    esac
  done
  unset PGHOST
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi
exec postgres -c listen_addresses='*' -k /var/run/postgresql "$@"
