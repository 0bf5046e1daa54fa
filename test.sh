#!/usr/bin/env bash
# Runs every test of the project on Debian 12 (with the .NET 10 SDK and Node 20), none skipped:
#  1. installs the Debian packages the tests use — as root; otherwise it prints the one apt-get line to run and stops;
#  2. starts private test servers on 127.0.0.1 — InfluxDB 1.6 behind nginx, PostgreSQL, Redis, Mosquitto 2 — in a
#     temporary folder on free ports, and stops them and removes the folder when it ends (also on Ctrl+C). A server
#     already given in the environment (SC_INFLUX_URL, SC_PG_CONNECTION, SC_REDIS, SC_MQTT_EXTERNAL with
#     SC_MQTT_ADMIN_USER and SC_MQTT_ADMIN_PASSWORD) is used instead of starting one;
#  3. builds the dashboard, checks the firmware core against nanoFramework's mscorlib, runs every xUnit project of the
#     solution with `dotnet test`, then the hub's end-to-end classes again with the hub on PostgreSQL.
#     A run in which no test starts or finishes for 10 minutes is ended (hang dump); the tests then in progress are
#     named and counted as failed, so a hung test cannot hold CI to its limit.
# Ends with one line: "tests: N passed, N failed[, N skipped]".
#   ./test.sh --dry-run    steps 1 and 2 only: install, start the servers, print their settings, stop them.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dry_run=false
case "${1:-}" in
  --dry-run) dry_run=true ;;
  "") ;;
  *) echo "usage: ./test.sh [--dry-run]" >&2; exit 2 ;;
esac

summary() { # passed failed skipped
  if [ "$3" -gt 0 ]; then echo "tests: $1 passed, $2 failed, $3 skipped"; else echo "tests: $1 passed, $2 failed"; fi
}
give_up() { echo "$1" >&2; summary 0 1 0; exit 1; }

# --- 1. packages --------------------------------------------------------------------------------------------------
# chromium, fonts-noto-cjk: the browser tests (Playwright drives Debian's Chromium; the zh-CN pages need CJK glyphs).
# socat: the provisioning tests talk to a host-run firmware core over a pseudo-terminal pair.
# openssl: scripts/dev-certs, whose certificates the TLS tests start the hub with. curl: the servers' readiness checks.
# postgresql, redis-server, redis-tools: the cluster tests and the hub-on-PostgreSQL pass.
# mosquitto, mosquitto-clients: the external-broker tests (Mosquitto 2 with dynamic security).
# influxdb, nginx-light: the InfluxDB store's tests (1.6 behind nginx's v2 write rewrite, tests/infra/influx).
packages=(chromium fonts-noto-cjk socat openssl curl postgresql redis-server redis-tools mosquitto mosquitto-clients influxdb nginx-light)
command -v dotnet >/dev/null || give_up "the .NET 10 SDK is missing: https://learn.microsoft.com/dotnet/core/install/linux-debian"
command -v npm >/dev/null || give_up "Node 20 (npm) is missing: https://nodejs.org/en/download (or NodeSource's Debian packages)"
if command -v dpkg-query >/dev/null; then
  missing=()
  for p in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || give_up "missing Debian packages; install them with:
  sudo apt-get install -y --no-install-recommends ${missing[*]}
then run ./test.sh again."
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || give_up "apt-get install ${missing[*]} failed"
    # On a machine with systemd the new packages start their own services; the tests run private instances, and
    # mosquitto's would hold port 1883, the hub's MQTT port in ./run.sh. Only services installed just now are stopped.
    if [ -d /run/systemd/system ]; then
      for p in "${missing[@]}"; do
        case "$p" in
          mosquitto|redis-server|influxdb|postgresql) service="$p" ;;
          nginx-light) service=nginx ;;
          *) continue ;;
        esac
        systemctl disable --now "$service" >/dev/null 2>&1 && echo "   stopped and disabled the $service service the package started (the tests start their own)"
      done
    fi
  fi
else
  echo "not a Debian system: make sure these (or your system's equivalents) are installed: ${packages[*]}" >&2
fi

# --- 2. servers ---------------------------------------------------------------------------------------------------
servers="$(mktemp -d "${TMPDIR:-/tmp}/sc-test-servers.XXXXXX")" || give_up "cannot create a temporary folder"
# PostgreSQL runs as the postgres user when started by root, and nginx's workers as nobody: both pass through here.
chmod 0755 "$servers"
started=()
stop_servers() {
  local s
  for s in "${started[@]}"; do
    case "$s" in
      influx) SC_INFLUX_DIR="$servers/influx" tests/infra/influx/down.sh >/dev/null ;;
      postgres) SC_PG_DIR="$servers/postgres" tests/infra/postgres/down.sh >/dev/null ;;
      redis) SC_REDIS_DIR="$servers/redis" tests/infra/redis/down.sh >/dev/null ;;
      mosquitto) SC_MQTT_DIR="$servers/mosquitto" tests/infra/mosquitto/down.sh >/dev/null ;;
    esac
  done
  started=()
  rm -rf "$servers"
}
log=""
trap 'stop_servers; [ -z "$log" ] || rm -f "$log"' EXIT
trap 'exit 130' INT TERM

# Free ports from a range below Linux's ephemeral ports (32768+), starting at a point that differs per run so that two
# runs on one machine rarely probe the same ports; a port is free when nothing accepts a connection on it.
next_port=$((20000 + ($$ % 1000) * 10))
free_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  port=$next_port
  next_port=$((next_port + 1))
}

echo "== starting the test servers in $servers"
if [ -z "${SC_INFLUX_URL:-}" ]; then
  free_port; influx_port=$port; free_port; rpc_port=$port; free_port; proxy_port=$port
  started+=(influx)
  SC_INFLUX_URL="$(SC_INFLUX_DIR="$servers/influx" SC_INFLUX_PORT=$influx_port SC_INFLUX_RPC_PORT=$rpc_port \
    SC_INFLUX_PROXY_PORT=$proxy_port tests/infra/influx/up.sh)" || give_up "InfluxDB/nginx did not start (tests/infra/influx/up.sh)"
fi
if [ -z "${SC_PG_CONNECTION:-}" ]; then
  free_port
  started+=(postgres)
  SC_PG_CONNECTION="$(SC_PG_DIR="$servers/postgres" SC_PG_PORT=$port tests/infra/postgres/up.sh)" \
    || give_up "PostgreSQL did not start (tests/infra/postgres/up.sh)"
fi
if [ -z "${SC_REDIS:-}" ]; then
  free_port
  started+=(redis)
  SC_REDIS="$(SC_REDIS_DIR="$servers/redis" SC_REDIS_PORT=$port tests/infra/redis/up.sh)" || give_up "Redis did not start (tests/infra/redis/up.sh)"
fi
if [ -z "${SC_MQTT_EXTERNAL:-}" ] || [ -z "${SC_MQTT_ADMIN_USER:-}" ] || [ -z "${SC_MQTT_ADMIN_PASSWORD:-}" ]; then
  free_port
  started+=(mosquitto)
  mqtt_env="$(SC_MQTT_DIR="$servers/mosquitto" SC_MQTT_PORT=$port tests/infra/mosquitto/up.sh)" \
    || give_up "Mosquitto did not start (tests/infra/mosquitto/up.sh)"
  eval "$mqtt_env"
fi
export SC_INFLUX_URL SC_PG_CONNECTION SC_REDIS SC_MQTT_EXTERNAL SC_MQTT_ADMIN_USER SC_MQTT_ADMIN_PASSWORD
echo "   SC_INFLUX_URL=$SC_INFLUX_URL SC_PG_CONNECTION=${SC_PG_CONNECTION%%;Password=*};… SC_REDIS=$SC_REDIS SC_MQTT_EXTERNAL=$SC_MQTT_EXTERNAL"

if $dry_run; then
  echo "== dry run: the servers answered; stopping them"
  stop_servers
  [ -d "$servers" ] && give_up "$servers was not removed"
  echo "== stopped"
  exit 0
fi

# --- 3. tests -----------------------------------------------------------------------------------------------------
status=0
log=$(mktemp)

# Before `dotnet test`: the hub's browser tests and the gateway's (LocalBoardBrowserTests: the gateway serves the same
# dashboard/dist as its duty room's local board) need the built dashboard.
echo "== dashboard: install, type-check, unit tests, build"
(cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm run --silent test && npm run --silent build) || status=1

if [ -x scripts/firmware-check ]; then
  echo "== firmware: compile the core against nanoFramework mscorlib and check its metadata"
  scripts/firmware-check || status=1
fi

# The test platform prints a summary per run; add up every "total/failed/succeeded/skipped" block.
count() {
  awk '
    /^[[:space:]]*failed:[[:space:]]*[0-9]+/    { f = $2 }
    /^[[:space:]]*succeeded:[[:space:]]*[0-9]+/ { p = $2 }
    /^[[:space:]]*skipped:[[:space:]]*[0-9]+/   { s = $2 }
    END { print p + 0, f + 0, s + 0 }' "$1"
}

# A test that never ends: when no test of a run has started or finished for 10 minutes, the hang-dump extension
# (Directory.Build.targets) ends that run; the tests still in progress are named here and counted as failed.
results="$servers/test-results"
hang_guard=(--hangdump --hangdump-timeout 10m --hangdump-type Mini)
hung() { # prints the hung tests to stderr, their number to stdout
  local f n=0
  for f in "$results"/*_hang.log; do
    [ -e "$f" ] || continue
    echo "== hung: no test started or finished for 10 minutes; in progress when the run was ended (time running):" >&2
    sed 's/^/   /' "$f" >&2
    n=$((n + $(grep -c . "$f")))
    rm -f "$f" "${f%.log}.dmp"
  done
  echo "$n"
}

echo "== dotnet test"
# Benchmarks live beside the tests but are measurements, not tests: they are left out here.
dotnet test --solution SmartCommunity.sln -c Release --results-directory "$results" -- --filter-not-trait "Category=Benchmark" "${hang_guard[@]}" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r passed failed skipped < <(count "$log")
failed=$((failed + $(hung)))
# A test project that ran no test at all (an unknown option, a filter matching nothing) is a failure, not a pass.
zero=$(grep -c "Zero tests ran" "$log")
[ "$zero" -eq 0 ] || { echo "== $zero test project(s) ran no test: counted as failed" >&2; failed=$((failed + zero)); }

# The end-to-end, restart, closed-loop, supervision, abuse, notification, personal-data and onboarding tests run a second time
# with the hub on PostgreSQL (SC_HUB_DB=postgres), so the provider is exercised beyond its own tests.
echo "== dotnet test: hub on PostgreSQL"
SC_HUB_DB=postgres dotnet test --project tests/SmartCommunity.Hub.Tests -c Release --no-build --results-directory "$results" -- \
  --filter-class "SmartCommunity.Hub.Tests.EndToEndTests" --filter-class "SmartCommunity.Hub.Tests.RestartTests" \
  --filter-class "SmartCommunity.Hub.Tests.EscalationRestartTests" --filter-class "SmartCommunity.Hub.Tests.ClosedLoopTests" \
  --filter-class "SmartCommunity.Hub.Tests.DeviceButtonTests" --filter-class "SmartCommunity.Hub.Tests.VisitTests" \
  --filter-class "SmartCommunity.Hub.Tests.RosterTests" --filter-class "SmartCommunity.Hub.Tests.MonthlyReportTests" \
  --filter-class "SmartCommunity.Hub.Tests.SupervisionTests" \
  --filter-class "SmartCommunity.Hub.Tests.AbuseTests" --filter-class "SmartCommunity.Hub.Tests.NotificationTests" \
  --filter-class "SmartCommunity.Hub.Tests.OutboxTests" --filter-class "SmartCommunity.Hub.Tests.PersonalDataTests" --filter-class "SmartCommunity.Hub.Tests.CascadeTests" \
  --filter-class "SmartCommunity.Hub.Tests.HistoryTests" \
  --filter-class "SmartCommunity.Hub.Tests.ConsoleApiTests" --filter-class "SmartCommunity.Hub.Tests.ConsoleBrowserTests" \
  --filter-class "SmartCommunity.Hub.Tests.OnboardingTests" --filter-class "SmartCommunity.Hub.Tests.ImportBrowserTests" \
  --filter-class "SmartCommunity.Hub.Tests.CaseTests" --filter-class "SmartCommunity.Hub.Tests.CasesBrowserTests" \
  "${hang_guard[@]}" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r pg_passed pg_failed pg_skipped < <(count "$log")
pg_failed=$((pg_failed + $(hung)))
passed=$((passed + pg_passed)) failed=$((failed + pg_failed)) skipped=$((skipped + pg_skipped))

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A build or tool failure outside the test runs still fails the whole run.
  failed=1
fi
summary "$passed" "$failed" "$skipped"
exit $status
