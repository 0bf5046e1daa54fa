#!/usr/bin/env bash
# Starts the InfluxDB test server: Debian's influxdb 1.6 on 127.0.0.1:18086 behind nginx on 127.0.0.1:18087,
# which rewrites the InfluxDB 2.x write API (/api/v2/write) to 1.x (/write) and passes /query through.
# Installs both with apt-get when missing (needs root or sudo). Idempotent: a running server is left alone.
# Prints the URL the hub and the tests use (http://127.0.0.1:18087) as the last line; tests read SC_INFLUX_URL
# and default to that URL. Stop with down.sh. State lives in $SC_INFLUX_DIR (default /tmp/sc-influx);
# SC_INFLUX_PORT, SC_INFLUX_RPC_PORT and SC_INFLUX_PROXY_PORT select other ports for a private instance (test.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${SC_INFLUX_DIR:-/tmp/sc-influx}"
influx_port="${SC_INFLUX_PORT:-18086}" rpc_port="${SC_INFLUX_RPC_PORT:-18088}" nginx_port="${SC_INFLUX_PROXY_PORT:-18087}"
url="http://127.0.0.1:$nginx_port"

if ! command -v influxd >/dev/null || ! [ -x /usr/sbin/nginx ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing influxdb and nginx-light with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  # The packages' own services stay stopped (no init system here); this script starts private instances.
  $sudo apt-get install -y -qq --no-install-recommends influxdb nginx-light curl >/dev/null
fi

mkdir -p "$dir"/{meta,data,wal,client_body,proxy,fastcgi,uwsgi,scgi}
# nginx workers run as an unprivileged user when started by root; they need its temp folders.
chmod 0777 "$dir"/{client_body,proxy,fastcgi,uwsgi,scgi}

fill() { sed -e "s|@DIR@|$dir|g" -e "s|@INFLUX_PORT@|$influx_port|g" -e "s|@RPC_PORT@|$rpc_port|g" -e "s|@NGINX_PORT@|$nginx_port|g" "$1" > "$2"; }

if ! curl -fs -o /dev/null "http://127.0.0.1:$influx_port/ping"; then
  fill "$here/influxdb.conf" "$dir/influxdb.conf"
  nohup influxd -config "$dir/influxdb.conf" </dev/null >"$dir/influxd.log" 2>&1 &
  echo $! >"$dir/influxd.pid"
fi
# Any HTTP answer means nginx is up (a 502 only says influxd is not, which was handled above).
if ! curl -s -o /dev/null "$url/ping"; then
  fill "$here/nginx.conf" "$dir/nginx.conf"
  # No stdio kept open: callers capture the printed URL with $(up.sh), which must not wait on the daemons.
  /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" </dev/null >/dev/null 2>>"$dir/nginx-start.log" || { cat "$dir/nginx-start.log" >&2; exit 1; }
fi

# Ready means a write through the rewrite and a read back work, not only that the ports are open.
for _ in $(seq 1 150); do
  if curl -fsS -o /dev/null "$url/ping" \
     && curl -fsS -o /dev/null -XPOST "$url/query" --data-urlencode 'q=CREATE DATABASE "sc_up_check"' \
     && curl -fsS -o /dev/null -XPOST "$url/api/v2/write?org=-&bucket=sc_up_check&precision=s" --data-binary 'up,check=1 v=1 1' \
     && curl -fsS "$url/query?db=sc_up_check" --data-urlencode 'q=SELECT count(v) FROM up' | grep -q '"count"'; then
    echo "influxdb 1.6 on 127.0.0.1:$influx_port, nginx (v2 write API) on $url; logs in $dir" >&2
    echo "$url"
    exit 0
  fi
  sleep 0.2
done
echo "InfluxDB/nginx did not become ready within 30 s; see $dir/influxd.log and $dir/nginx-error.log" >&2
exit 1
