#!/usr/bin/env bash
# Starts the PostgreSQL test server: Debian's postgresql (15) on 127.0.0.1:15432, its cluster in a temp dir,
# initialised and run as the postgres user when started by root (PostgreSQL refuses to run as root).
# Installs postgresql with apt-get when missing. Idempotent: a running server is left alone; a stopped one
# whose cluster exists is started again on the same data (a test's "database restart" uses exactly that).
# Creates the role "sc" (password "sc", may create databases: tests make one database per hub) and the
# database "sc". Prints the Npgsql connection string as the last line; tests read SC_PG_CONNECTION.
# Stop with down.sh. SC_PG_DIR (default /tmp/sc-postgres) and SC_PG_PORT (default 15432) select another
# instance, which is how a test runs a private server it may stop and start.
set -euo pipefail
dir="${SC_PG_DIR:-/tmp/sc-postgres}"
port="${SC_PG_PORT:-15432}"
connection="Host=127.0.0.1;Port=$port;Username=sc;Password=sc;Database=sc"

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$bin" ] || ! [ -x "$bin/initdb" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing postgresql with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  # The package's own cluster and service stay stopped (no init system here); this script runs a private one.
  $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi

# As root, everything that touches the cluster runs as postgres; otherwise as the caller.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
ready() { as_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; }

mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  # Local (socket) connections trust the OS user; TCP needs the password, as a deployment would.
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = on
CONF
fi

if ! ready; then
  # -w waits for start-up; no stdio kept open, so $(up.sh) returns once the server is up.
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start </dev/null >/dev/null \
    || { tail -20 "$dir/postgres.log" >&2; exit 1; }
fi

psql_pg() { as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_pg -c "select 1 from pg_roles where rolname = 'sc'")" != "1" ]; then
  psql_pg -c "create role sc login createdb password 'sc'" >/dev/null
fi
# DROP DATABASE … WITH (FORCE) also ends autovacuum workers on the test database, which needs pg_signal_backend.
psql_pg -c "grant pg_signal_backend to sc" >/dev/null
if [ "$(psql_pg -c "select 1 from pg_database where datname = 'sc'")" != "1" ]; then
  psql_pg -c "create database sc owner sc" >/dev/null
fi

# Ready means a password login over TCP works, not only that the port is open.
for _ in $(seq 1 150); do
  if PGPASSWORD=sc as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U sc -d sc -qtA -c "select 1" >/dev/null 2>&1; then
    echo "postgresql on 127.0.0.1:$port (cluster and log in $dir)" >&2
    echo "$connection"
    exit 0
  fi
  sleep 0.2
done
echo "PostgreSQL did not accept a login within 30 s; see $dir/postgres.log" >&2
exit 1
