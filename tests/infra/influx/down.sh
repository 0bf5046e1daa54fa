#!/usr/bin/env bash
# Stops the server up.sh started (only the processes whose pids it recorded) and removes its state.
set -uo pipefail
dir="${SC_INFLUX_DIR:-/tmp/sc-influx}"
[ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null
if [ -f "$dir/influxd.pid" ]; then
  pid="$(cat "$dir/influxd.pid")"
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -rf "$dir"
echo "stopped; removed $dir"
