#!/usr/bin/env bash
# Runs every test of the project: builds the dashboard (the browser tests drive it in Chromium),
# checks the firmware core against nanoFramework's mscorlib, then runs all xUnit projects of the
# solution with `dotnet test`. Ends with one line: "tests: N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== dashboard: install, type-check, unit tests, build"
(cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm run --silent test && npm run --silent build) || status=1

if [ -x scripts/firmware-check ]; then
  echo "== firmware: compile the core against nanoFramework mscorlib and check its metadata"
  scripts/firmware-check || status=1
fi

echo "== dotnet test"
# Benchmarks live beside the tests but are measurements, not tests: they are left out here.
dotnet test --solution SmartCommunity.sln -c Release -- --filter-not-trait "Category=Benchmark" 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
[ "$test_status" -eq 0 ] || status=1

# The test platform prints a summary per run; add up every "total/failed/succeeded/skipped" block.
read -r passed failed skipped < <(awk '
  /^[[:space:]]*failed:[[:space:]]*[0-9]+/    { f = $2 }
  /^[[:space:]]*succeeded:[[:space:]]*[0-9]+/ { p = $2 }
  /^[[:space:]]*skipped:[[:space:]]*[0-9]+/   { s = $2 }
  END { print p + 0, f + 0, s + 0 }' "$log")
# With a PostgreSQL server (SC_PG_CONNECTION, started by .ci/run), the end-to-end, restart, closed-loop, supervision,
# abuse, notification and personal-data tests run a
# second time with the hub on PostgreSQL (SC_HUB_DB=postgres), so the provider is exercised beyond its own tests.
if [ -n "${SC_PG_CONNECTION:-}" ]; then
  echo "== dotnet test: hub on PostgreSQL"
  pg_log=$(mktemp)
  SC_HUB_DB=postgres dotnet test --project tests/SmartCommunity.Hub.Tests -c Release --no-build -- \
    --filter-class "SmartCommunity.Hub.Tests.EndToEndTests" --filter-class "SmartCommunity.Hub.Tests.RestartTests" \
    --filter-class "SmartCommunity.Hub.Tests.EscalationRestartTests" --filter-class "SmartCommunity.Hub.Tests.ClosedLoopTests" \
    --filter-class "SmartCommunity.Hub.Tests.DeviceButtonTests" --filter-class "SmartCommunity.Hub.Tests.VisitTests" \
    --filter-class "SmartCommunity.Hub.Tests.RosterTests" --filter-class "SmartCommunity.Hub.Tests.MonthlyReportTests" \
    --filter-class "SmartCommunity.Hub.Tests.SupervisionTests" \
    --filter-class "SmartCommunity.Hub.Tests.AbuseTests" --filter-class "SmartCommunity.Hub.Tests.NotificationTests" \
    --filter-class "SmartCommunity.Hub.Tests.PersonalDataTests" 2>&1 | tee "$pg_log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  read -r pg_passed pg_failed pg_skipped < <(awk '
    /^[[:space:]]*failed:[[:space:]]*[0-9]+/    { f = $2 }
    /^[[:space:]]*succeeded:[[:space:]]*[0-9]+/ { p = $2 }
    /^[[:space:]]*skipped:[[:space:]]*[0-9]+/   { s = $2 }
    END { print p + 0, f + 0, s + 0 }' "$pg_log")
  rm -f "$pg_log"
  passed=$((passed + pg_passed)) failed=$((failed + pg_failed)) skipped=$((skipped + pg_skipped))
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A build or tool failure outside the test runs still fails the whole run.
  failed=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "tests: $passed passed, $failed failed"
fi
exit $status
