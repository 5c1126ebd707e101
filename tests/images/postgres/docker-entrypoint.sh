#!/usr/bin/env bash
# Stand-in for the image's docker-entrypoint.sh in the real-server tests (tests/realserver.py).
# It is not the image's script: it implements the behaviour the official postgres image
# documents (https://hub.docker.com/_/postgres, "Environment Variables" and
# "Initialization scripts"), which is all PgvectorDb relies on:
#   - POSTGRES_PASSWORD_FILE is read in place of POSTGRES_PASSWORD;
#   - only when PGDATA holds no database (no PG_VERSION): initdb with POSTGRES_USER as the
#     superuser and that password, password authentication for TCP clients beyond loopback,
#     listen_addresses '*', then a temporary server on the Unix socket only that creates
#     POSTGRES_DB and runs /docker-entrypoint-initdb.d/*.sql, stopped again;
#   - then it replaces itself with its arguments (the server).
set -Eeuo pipefail
if [ "${1:-}" = postgres ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    POSTGRES_PASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
    unset POSTGRES_PASSWORD_FILE
  fi
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") -D "$PGDATA"
    printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
    printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
    socket="$(mktemp -d)"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$socket -p ${PGPORT:-5432}" -w start
    sql=(psql -X -v ON_ERROR_STOP=1 -h "$socket" -U "$POSTGRES_USER" --no-password)
    if [ -z "$("${sql[@]}" -d postgres -At -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" ]; then
      "${sql[@]}" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
    fi
    for f in /docker-entrypoint-initdb.d/*.sql; do
      [ -e "$f" ] && "${sql[@]}" -d "$POSTGRES_DB" -f "$f"
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo 'PostgreSQL init process complete; ready for start up.'
  else
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  fi
fi
exec "$@"
