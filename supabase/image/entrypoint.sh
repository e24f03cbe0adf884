#!/bin/sh
# The official postgres image's entrypoint contract, for the base made from Debian's packages:
# a new cluster for POSTGRES_USER with POSTGRES_PASSWORD on first start, password logins from
# anywhere (the container's network is the boundary), then postgres with the container's arguments.
set -eu
data=/var/lib/postgresql/data
bin=/usr/lib/postgresql/15/bin
user="${POSTGRES_USER:-postgres}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

mkdir -p "$data" /var/run/postgresql
chown postgres:postgres "$data" /var/run/postgresql
chmod 700 "$data"
if [ ! -s "$data/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required for a new cluster}"
  pwfile=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  # POSTGRES_INITDB_ARGS is a list of options by contract; splitting it is the point.
  # shellcheck disable=SC2086
  as_postgres "$bin/initdb" -D "$data" -U "$user" --pwfile "$pwfile" --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-}
  rm -f "$pwfile"
  echo "host all all all ${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >> "$data/pg_hba.conf"
fi

[ "${1:-postgres}" = postgres ] && [ $# -gt 0 ] && shift
exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/postgres" -D "$data" -c listen_addresses='*' "$@"
