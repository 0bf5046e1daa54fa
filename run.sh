#!/usr/bin/env bash
# Runs the hub with everything embedded — MQTT broker, SQLite stores, the dashboard — and a demo
# community. `./run.sh --simulate` also starts simulated devices for every demo sensor.
# Other arguments go to the hub, e.g. --Hub:HttpPort=9090 or --Hub:BindAddress=0.0.0.0.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

simulate=false
hub_args=()
for arg in "$@"; do
  case "$arg" in
    --simulate) simulate=true ;;
    *) hub_args+=("$arg") ;;
  esac
done
data="${SC_DATA:-$PWD/data}"
port=8080
for arg in "${hub_args[@]}"; do
  case "$arg" in --Hub:HttpPort=*) port="${arg#*=}" ;; esac
done

echo "== building the dashboard"
(cd dashboard && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build)
echo "== building the hub"
dotnet build hub/SmartCommunity.Hub -c Release -v quiet -nologo
if $simulate; then
  dotnet build edge/SmartCommunity.Simulator -c Release -v quiet -nologo
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

dotnet hub/SmartCommunity.Hub/bin/Release/net10.0/SmartCommunity.Hub.dll \
  --contentRoot "$PWD/hub/SmartCommunity.Hub" --Hub:Demo=true --Hub:DataDirectory="$data" "${hub_args[@]}" &
pids+=($!)

if $simulate; then
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  echo "== simulated devices running; type a scenario such as 'sos sos-0002' or 'fall wear-0001' and Enter"
  # In the foreground, so scenario commands typed here reach the simulator; Ctrl+C stops both.
  dotnet edge/SmartCommunity.Simulator/bin/Release/net10.0/SmartCommunity.Simulator.dll --fleet "$data/demo-fleet.json"
else
  wait "${pids[0]}"
fi
