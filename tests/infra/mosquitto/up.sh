#!/usr/bin/env bash
# Starts the Mosquitto 2 test broker on 127.0.0.1:11883 with the dynamic-security plugin, persistence on and
# anonymous access off. Installs Debian's mosquitto with apt-get when missing (needs root or sudo). Idempotent:
# a running broker is left alone. The dynsec admin password is generated on the first start (never committed)
# and kept in $dir/admin.env. Prints shell assignments on stdout, for `eval "$(up.sh)"`:
#   SC_MQTT_EXTERNAL=mqtt://127.0.0.1:11883  SC_MQTT_ADMIN_USER=…  SC_MQTT_ADMIN_PASSWORD=…
# Tests read those variables. Stop with down.sh. State lives in $SC_MQTT_DIR (default /tmp/sc-mosquitto);
# SC_MQTT_PORT and SC_MQTT_AUTOSAVE (seconds between state saves, default 1) adjust a private instance.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${SC_MQTT_DIR:-/tmp/sc-mosquitto}"
port="${SC_MQTT_PORT:-11883}"
autosave="${SC_MQTT_AUTOSAVE:-1}"

if ! [ -x /usr/sbin/mosquitto ] || ! command -v mosquitto_ctrl >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing mosquitto with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  # The package's own service stays stopped (no init system here); this script starts a private instance.
  $sudo apt-get install -y -qq --no-install-recommends mosquitto mosquitto-clients >/dev/null
fi
plugin="$(dpkg -L mosquitto 2>/dev/null | grep -m1 'mosquitto_dynamic_security\.so$' || true)"
[ -n "$plugin" ] || plugin="$(find /usr/lib -name 'mosquitto_dynamic_security.so' -print -quit 2>/dev/null || true)"
[ -n "$plugin" ] || { echo "mosquitto_dynamic_security.so not found" >&2; exit 1; }

mkdir -p "$dir/data"
chmod 0700 "$dir"
if ! [ -f "$dir/admin.env" ] || ! [ -f "$dir/dynamic-security.json" ]; then
  user="sc-admin"
  password="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
  rm -f "$dir/dynamic-security.json"
  mosquitto_ctrl dynsec init "$dir/dynamic-security.json" "$user" "$password" >/dev/null
  umask 077
  printf 'SC_MQTT_ADMIN_USER=%s\nSC_MQTT_ADMIN_PASSWORD=%s\n' "$user" "$password" > "$dir/admin.env"
fi
# shellcheck disable=SC1091
. "$dir/admin.env"

ready() { mosquitto_ctrl -h 127.0.0.1 -p "$port" -u "$SC_MQTT_ADMIN_USER" -P "$SC_MQTT_ADMIN_PASSWORD" dynsec getDefaultACLAccess >/dev/null 2>&1; }

if ! ready; then
  if [ -f "$dir/mosquitto.pid" ] && kill -0 "$(cat "$dir/mosquitto.pid")" 2>/dev/null; then
    echo "a mosquitto (pid $(cat "$dir/mosquitto.pid")) runs from $dir but does not answer; run down.sh first" >&2
    exit 1
  fi
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@USER@|$(id -un)|g" -e "s|@PLUGIN@|$plugin|g" -e "s|@AUTOSAVE@|$autosave|g" "$here/mosquitto.conf" > "$dir/mosquitto.conf"
  # -d daemonises and closes stdio: callers capture the output with $(up.sh), which must not wait on the broker.
  mosquitto -c "$dir/mosquitto.conf" -d </dev/null >/dev/null 2>>"$dir/start.log" || { cat "$dir/start.log" >&2; exit 1; }
fi

# Ready means the plugin answers a control command with the admin's credentials, not only that the port is open.
for _ in $(seq 1 150); do
  if ready; then
    echo "mosquitto $(mosquitto -h 2>/dev/null | sed -n '1s/.*version //p') on 127.0.0.1:$port (dynamic security); state and log in $dir" >&2
    echo "SC_MQTT_EXTERNAL=mqtt://127.0.0.1:$port"
    echo "SC_MQTT_ADMIN_USER=$SC_MQTT_ADMIN_USER"
    echo "SC_MQTT_ADMIN_PASSWORD=$SC_MQTT_ADMIN_PASSWORD"
    exit 0
  fi
  sleep 0.2
done
echo "mosquitto did not become ready within 30 s; see $dir/mosquitto.log" >&2
exit 1
