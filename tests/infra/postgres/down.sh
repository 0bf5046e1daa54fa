#!/usr/bin/env bash
# Stops the server up.sh started (pg_ctl on its own cluster) and removes its state.
set -uo pipefail
dir="${SC_PG_DIR:-/tmp/sc-postgres}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$dir/data/postmaster.pid" ] && [ -n "$bin" ]; then
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1
fi
rm -rf "$dir"
echo "stopped; removed $dir"
