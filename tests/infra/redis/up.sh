#!/usr/bin/env bash
# Starts the Redis test server: Debian's redis-server on 127.0.0.1:16379, state in a temp dir, no persistence
# (the hub uses Redis only as the SignalR backplane). Installs redis-server with apt-get when missing.
# Idempotent: a running server is left alone. Prints "127.0.0.1:16379" (the StackExchange.Redis configuration
# string; tests read SC_REDIS) as the last line. Stop with down.sh. SC_REDIS_DIR / SC_REDIS_PORT select another instance.
set -euo pipefail
dir="${SC_REDIS_DIR:-/tmp/sc-redis}"
port="${SC_REDIS_PORT:-16379}"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing redis-server with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
fi

mkdir -p "$dir"
if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" </dev/null >/dev/null
fi

for _ in $(seq 1 150); do
  if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
    echo "redis on 127.0.0.1:$port (log in $dir)" >&2
    echo "127.0.0.1:$port"
    exit 0
  fi
  sleep 0.2
done
echo "Redis did not answer within 30 s; see $dir/redis.log" >&2
exit 1
