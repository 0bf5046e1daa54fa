#!/usr/bin/env bash
# Stops the server up.sh started (only the pid it recorded) and removes its state.
set -uo pipefail
dir="${SC_REDIS_DIR:-/tmp/sc-redis}"
if [ -f "$dir/redis.pid" ]; then
  pid="$(cat "$dir/redis.pid")"
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -rf "$dir"
echo "stopped; removed $dir"
