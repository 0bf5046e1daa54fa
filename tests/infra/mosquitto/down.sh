#!/usr/bin/env bash
# Stops the broker up.sh started (only the process whose pid it recorded) and removes its state.
set -uo pipefail
dir="${SC_MQTT_DIR:-/tmp/sc-mosquitto}"
if [ -f "$dir/mosquitto.pid" ]; then
  pid="$(cat "$dir/mosquitto.pid")"
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -rf "$dir"
echo "stopped; removed $dir"
