#!/usr/bin/env bash
# A real S3 API for tests and development: OpenStack Swift with the s3api middleware, all state
# under one directory. See /work/shared/recipes/s3-test-server.md for why each setting is here.
#
#   scripts/s3-test-server.sh start|stop|status
#
# Environment:
#   S3_TEST_DIR             where config, rings, data, logs and PIDs live (default /tmp/rapidphoto-s3)
#   S3_TEST_PORT            proxy (S3 endpoint) port                       (default 8080)
#   S3_TEST_ACCOUNT_PORT    account server port                            (default 6202)
#   S3_TEST_CONTAINER_PORT  container server port                          (default 6201)
#   S3_TEST_OBJECT_PORT     object server port                             (default 6200)
#   S3_TEST_MEMCACHED_PORT  memcached port (tempauth keeps tokens there)   (default 11211)
#   S3_TEST_START_TIMEOUT   seconds to wait for a healthy proxy            (default 60)
#
# Credentials: access key "test:tester", secret "testing", region us-east-1, path-style addressing.
set -euo pipefail

DIR="${S3_TEST_DIR:-/tmp/rapidphoto-s3}"
PROXY_PORT="${S3_TEST_PORT:-8080}"
ACCOUNT_PORT="${S3_TEST_ACCOUNT_PORT:-6202}"
CONTAINER_PORT="${S3_TEST_CONTAINER_PORT:-6201}"
OBJECT_PORT="${S3_TEST_OBJECT_PORT:-6200}"
MEMCACHED_PORT="${S3_TEST_MEMCACHED_PORT:-11211}"
START_TIMEOUT="${S3_TEST_START_TIMEOUT:-60}"

CONF_DIR="$DIR/etc"
RUN_DIR="$DIR/run"
LOG_DIR="$DIR/log"
NODE_DIR="$DIR/srv/node"
SERVERS=(account container object proxy)
PACKAGES=(swift swift-proxy swift-account swift-container swift-object python3-swift memcached)
RUN_USER="$(id -un)"

log() { printf 's3-test-server: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- install -------------------------------------------------------------------------------------

packages_present() {
  local cmd
  for cmd in swift-ring-builder swift-proxy-server swift-account-server swift-container-server \
    swift-object-server memcached; do
    command -v "$cmd" >/dev/null 2>&1 || return 1
  done
}

ensure_packages() {
  packages_present && return 0
  log "installing ${PACKAGES[*]} (first run on a fresh machine)"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "packages missing and not root (no sudo): install ${PACKAGES[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  # postinst prints harmless "policy-rc.d denied" lines and starts nothing.
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
  packages_present || die "apt-get finished but the Swift commands are still missing"
}

# --- config --------------------------------------------------------------------------------------

swift_conf_body() {
  cat <<'EOF'
[swift-hash]
swift_hash_path_suffix = rapidphoto-test-suffix
swift_hash_path_prefix = rapidphoto-test-prefix

[storage-policy:0]
name = Policy-0
default = yes
EOF
}

# Swift validates /etc/swift/swift.conf at import time, before it reads swift_dir, so that one file
# must exist at its fixed path. A package default (suffix "changeme") already works; leave it alone.
ensure_global_swift_conf() {
  local conf=/etc/swift/swift.conf
  if [[ -f "$conf" ]] && grep -q '^swift_hash_path_suffix' "$conf" && grep -q '^\[storage-policy:0\]' "$conf"; then
    return 0
  fi
  local sudo=()
  [[ "$(id -u)" != 0 ]] && sudo=(sudo)
  "${sudo[@]}" mkdir -p /etc/swift
  swift_conf_body | "${sudo[@]}" tee "$conf" >/dev/null
}

# $1 = server name, $2 = port
write_storage_server_conf() {
  cat >"$CONF_DIR/$1-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $RUN_USER
swift_dir = $CONF_DIR
devices = $NODE_DIR
mount_check = false
disable_fallocate = true

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
EOF
}

write_proxy_conf() {
  # s3api needs slo after it or multipart is silently off; tempauth needs the memcache filter.
  cat >"$CONF_DIR/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY_PORT
workers = 0
user = $RUN_USER
swift_dir = $CONF_DIR
cors_allow_origin = *
cors_expose_headers = etag, x-amz-request-id, x-amz-version-id

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
cors_preflight_allow_origin = *

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
}

# Rings record the storage servers' ports, so they are rebuilt whenever the ports change.
build_rings() {
  local stamp="$CONF_DIR/rings.ports" want="$ACCOUNT_PORT $CONTAINER_PORT $OBJECT_PORT"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$CONF_DIR/object.ring.gz" ]]; then
    return 0
  fi
  local name port
  for name in account container object; do
    case "$name" in
      account) port="$ACCOUNT_PORT" ;;
      container) port="$CONTAINER_PORT" ;;
      object) port="$OBJECT_PORT" ;;
    esac
    rm -f "$CONF_DIR/$name.builder" "$CONF_DIR/$name.ring.gz"
    swift-ring-builder "$CONF_DIR/$name.builder" create 10 1 1 >/dev/null
    swift-ring-builder "$CONF_DIR/$name.builder" add "r1z1-127.0.0.1:$port/d1" 1 >/dev/null
    swift-ring-builder "$CONF_DIR/$name.builder" rebalance >/dev/null
  done
  printf '%s' "$want" >"$stamp"
}

write_config() {
  mkdir -p "$CONF_DIR" "$RUN_DIR" "$LOG_DIR" "$NODE_DIR/d1"
  ensure_global_swift_conf
  swift_conf_body >"$CONF_DIR/swift.conf"
  write_storage_server_conf account "$ACCOUNT_PORT"
  write_storage_server_conf container "$CONTAINER_PORT"
  write_storage_server_conf object "$OBJECT_PORT"
  write_proxy_conf
  build_rings
}

# --- processes -----------------------------------------------------------------------------------

pid_of() {
  local file="$RUN_DIR/$1.pid"
  [[ -f "$file" ]] && cat "$file"
}

is_alive() {
  local pid
  pid="$(pid_of "$1")" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

all_alive() {
  local name
  for name in memcached "${SERVERS[@]}"; do
    is_alive "$name" || return 1
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

healthy() {
  [[ "$(curl -fsS --max-time 2 "http://127.0.0.1:$PROXY_PORT/healthcheck" 2>/dev/null)" == "OK" ]]
}

endpoint() { printf 'http://127.0.0.1:%s\n' "$PROXY_PORT"; }

start_memcached() {
  is_alive memcached && return 0
  rm -f "$RUN_DIR/memcached.pid"
  # memcached refuses to run as root without -u.
  memcached -d -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -u "$RUN_USER" -P "$RUN_DIR/memcached.pid" \
    >>"$LOG_DIR/memcached.log" 2>&1
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$RUN_DIR/memcached.pid" ]] && return 0
    sleep 0.1
  done
  die "memcached did not write its PID file (see $LOG_DIR/memcached.log)"
}

start_server() {
  local name="$1"
  is_alive "$name" && return 0
  # -v sends logs to stderr; without it they go to syslog and are lost.
  nohup "swift-$name-server" "$CONF_DIR/$name-server.conf" -v >>"$LOG_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
}

wait_until_healthy() {
  local deadline=$((SECONDS + START_TIMEOUT)) name port
  for name in memcached account container object proxy; do
    case "$name" in
      memcached) port="$MEMCACHED_PORT" ;;
      account) port="$ACCOUNT_PORT" ;;
      container) port="$CONTAINER_PORT" ;;
      object) port="$OBJECT_PORT" ;;
      proxy) port="$PROXY_PORT" ;;
    esac
    until port_open "$port"; do
      is_alive "$name" || die "$name exited during start-up (see $LOG_DIR/$name.log)"
      ((SECONDS < deadline)) || die "$name did not listen on 127.0.0.1:$port within ${START_TIMEOUT}s (see $LOG_DIR/$name.log)"
      sleep 0.2
    done
  done
  until healthy; do
    is_alive proxy || die "proxy exited during start-up (see $LOG_DIR/proxy.log)"
    ((SECONDS < deadline)) || die "GET /healthcheck on port $PROXY_PORT not OK within ${START_TIMEOUT}s (see $LOG_DIR/proxy.log)"
    sleep 0.2
  done
}

cmd_start() {
  if all_alive && healthy; then
    log "already running"
    endpoint
    return 0
  fi
  ensure_packages
  write_config
  start_memcached
  local name
  for name in "${SERVERS[@]}"; do
    start_server "$name"
  done
  wait_until_healthy
  log "running (data in $DIR; access key test:tester, secret testing, region us-east-1, path-style)"
  endpoint
}

cmd_stop() {
  local name pid
  for name in proxy object container account memcached; do
    pid="$(pid_of "$name")" || continue
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      local i
      for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN_DIR/$name.pid"
  done
  log "stopped"
}

cmd_status() {
  if all_alive && healthy; then
    log "running"
    endpoint
    return 0
  fi
  local name
  for name in memcached "${SERVERS[@]}"; do
    is_alive "$name" && log "$name: running (pid $(pid_of "$name"))" || log "$name: not running"
  done
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
