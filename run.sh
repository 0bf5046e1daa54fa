#!/usr/bin/env bash
# Runs the hub with everything embedded — MQTT broker, SQLite stores, the dashboard — and a demo
# community. `./run.sh --simulate` also starts simulated devices for every demo sensor; they keep their
# flash (sequence numbers, outbox) in the data directory, so Ctrl+C and a rerun carry on where they stopped.
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

# Build output is shown only when a build fails.
quietly() { local out; out="$("$@" 2>&1)" || { echo "$out" >&2; return 1; }; }
echo "== building the dashboard"
quietly bash -c 'cd dashboard && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build'
echo "== building the hub"
quietly dotnet build hub/SmartCommunity.Hub -c Release -v quiet -nologo
if $simulate; then
  quietly dotnet build edge/SmartCommunity.Simulator -c Release -v quiet -nologo
fi

hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ]; then
    echo "== stopping the hub"
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
    hub_pid=""
  fi
}
trap cleanup EXIT INT TERM

echo "== starting the hub (data in $data)"
# The console is the person's: the banner below says where the hub listens (so the host's "Now listening on" lines
# are left out), and the key ring's first-start warning that its keys are not encrypted at rest is known for the demo
# (they are in the data directory, readable by its owner alone). Errors and every other warning still show.
dotnet hub/SmartCommunity.Hub/bin/Release/net10.0/SmartCommunity.Hub.dll \
  --contentRoot "$PWD/hub/SmartCommunity.Hub" --Hub:Demo=true --Hub:DataDirectory="$data" \
  --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning \
  --Logging:LogLevel:Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager=Error "${hub_args[@]}" &
hub_pid=$!

ready=false
for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then ready=true; break; fi
  kill -0 "$hub_pid" 2>/dev/null || { hub_pid=""; echo "the hub stopped; its log above says why" >&2; exit 1; }
  sleep 0.5
done

# For the person at the console, in their language (en or zh-CN). The password is read from the data directory,
# where the hub wrote it on first start; it is never logged.
zh=false
case "${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}" in zh*) zh=true ;; esac
signins="$data/demo-signins.txt"
echo
if $zh; then echo "SmartCommunity 演示：http://127.0.0.1:$port/"; else echo "SmartCommunity demo: http://127.0.0.1:$port/"; fi
$ready || { $zh && echo "  （hub 尚未通过 /health 检查，请看上面的日志）" || echo "  (the hub has not passed /health yet; see its log above)"; }
if [ -r "$signins" ]; then
  password="$(cut -f2 "$signins" | head -1)"
  if $zh; then echo "  登录（密码均为 $password，另见 $signins）："; else echo "  Sign in as (password $password for all; also in $signins):"; fi
  while IFS=$'\t' read -r email _ role; do
    printf '    %-26s %s\n' "$email" "$role"
  done < "$signins"
fi
if $simulate; then
  if $zh; then
    echo "  模拟设备运行中。输入场景和设备号后回车，一分钟内出现在值班看板上："
    echo "    sos sos-0002               SOS 按钮（5 秒取消窗口后发送）"
    echo "    fall wear-0001             跌倒（佩戴者可取消的 20 秒窗口后发送）"
    echo "    smoke smk-0003             厨房烟雾"
    echo "    co co-0001                 燃气热水器烟道堵塞：一氧化碳升至 100 ppm 以上（约 40 秒）"
    echo "    heating-failure clim-0001  供暖故障：房间降温至 16 °C 以下（延时：每 15 秒相当于一小时的降温）"
    echo "    offline sos-0004           设备断电（遗嘱消息）；online sos-0004 恢复"
    echo "  Ctrl+C 停止；再次运行 ./run.sh --simulate 会在同一数据上继续。"
  else
    echo "  Simulated devices are running. Type a scenario and Enter; each reaches the board within a minute:"
    echo "    sos sos-0002               SOS button (sent after its 5 s cancel window)"
    echo "    fall wear-0001             a fall (sent after the 20 s window in which the wearer may cancel)"
    echo "    smoke smk-0003             smoke in the kitchen"
    echo "    co co-0001                 a blocked boiler flue: carbon monoxide above 100 ppm (about 40 s)"
    echo "    heating-failure clim-0001  the heating fails: the room drops below 16 °C (time-lapse: an hour of cooling every 15 s)"
    echo "    offline sos-0004           the device loses power (its last will); online sos-0004 brings it back"
    echo "  Ctrl+C stops both; ./run.sh --simulate again carries on with the same data."
  fi
  echo
  # In the foreground, so scenario commands typed here reach the simulator; Ctrl+C stops it, then the hub.
  # --storage: each device's flash in the data directory, as a real device keeps its own across a power cycle.
  # --no-announce-offline: stopping the demo is not a power cut; the hub marks the devices offline without alerts.
  # --heating-failure-pace: the demo plays the cooling in time-lapse (edge/README.md, "Scenarios").
  dotnet edge/SmartCommunity.Simulator/bin/Release/net10.0/SmartCommunity.Simulator.dll --fleet "$data/demo-fleet.json" \
    --storage "$data/simulator" --no-announce-offline --heating-failure-pace 240 || exit $?
else
  if $zh; then echo "  Ctrl+C 停止。"; else echo "  Ctrl+C stops the hub."; fi
  echo
  wait "$hub_pid"
fi
