#!/usr/bin/env bash
# Starts, stops or reports a Docker engine of the harness's own (its data, exec root and socket under one dir), idempotently.
#
#   scripts/docker-engine.sh start|stop|status|env|leftovers
#
# start: installs docker.io (and debootstrap, which `npm run images` needs) when missing and we are
#        root, starts dockerd in the background with --ip 127.0.0.1 (published ports on loopback only),
#        tries overlay2 and falls back to vfs, and waits until `docker info` answers.
# stop:  stops the dockerd this script started, by the pid it recorded; nothing else.
# env:   prints `export DOCKER_HOST=...` for eval.
# leftovers: lists every container, volume and non-default network in this engine; exits 1 when any
#        is there (a run removes all it started: this engine holds the harness's things only).
# MINTOKEN_DOCKER_DIR overrides the directory (default /var/tmp/mintoken-docker).
set -euo pipefail

DIR="${MINTOKEN_DOCKER_DIR:-/var/tmp/mintoken-docker}"
SOCK="$DIR/docker.sock"
PIDFILE="$DIR/dockerd.pid"
LOG="$DIR/dockerd.log"
export DOCKER_HOST="unix://$SOCK"
START_TIMEOUT_S="${MINTOKEN_DOCKER_START_TIMEOUT_S:-60}"

say() { echo "[docker-engine] $*" >&2; }

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 1
  echo "$pid"
}

answers() { docker info >/dev/null 2>&1; }

install_missing() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" != 0 ]]; then
    say "missing: ${missing[*]}. Install them (sudo apt-get install -y ${missing[*]}) or run this script as root."
    exit 3
  fi
  say "installing ${missing[*]} from the machine's apt sources"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

try_start() { # $1: storage driver
  : >"$LOG"
  # setsid: a Ctrl-C in the calling terminal must not reach the engine; stop() ends it
  setsid dockerd --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/dockerd.own.pid" \
    -H "$DOCKER_HOST" --storage-driver "$1" --ip 127.0.0.1 >>"$LOG" 2>&1 &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  local deadline=$((SECONDS + START_TIMEOUT_S))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      return 1
    fi
    if answers; then
      echo "$1" >"$DIR/storage-driver"
      return 0
    fi
    sleep 0.5
  done
  say "dockerd ($1) did not answer within ${START_TIMEOUT_S}s; stopping it (log: $LOG)"
  kill "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  return 1
}

start() {
  if pid="$(running_pid)" && answers; then
    say "already running (pid $pid, $DOCKER_HOST)"
    return 0
  fi
  install_missing
  if [[ "$(id -u)" != 0 ]]; then
    say "dockerd needs root here (no rootless setup); run: sudo $0 start"
    exit 3
  fi
  mkdir -p "$DIR/data" "$DIR/exec"
  chmod 711 "$DIR"
  local started_at=$SECONDS
  # overlay2 first; a data root made by vfs stays on vfs (dockerd refuses to switch drivers on it)
  local drivers=(overlay2 vfs)
  [[ -f "$DIR/storage-driver" ]] && drivers=("$(cat "$DIR/storage-driver")")
  for driver in "${drivers[@]}"; do
    if try_start "$driver"; then
      say "dockerd running (pid $(cat "$PIDFILE"), storage $driver, $DOCKER_HOST) in $((SECONDS - started_at))s"
      return 0
    fi
    say "dockerd refused storage driver $driver: $(tail -n 3 "$LOG" | tr '\n' ' ')"
  done
  say "dockerd did not start; see $LOG"
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running (no live dockerd recorded in $PIDFILE)"
    rm -f "$PIDFILE"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "dockerd (pid $pid) still up after 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  say "stopped dockerd (pid $pid)"
}

status() {
  if pid="$(running_pid)" && answers; then
    echo "running pid=$pid DOCKER_HOST=$DOCKER_HOST storage=$(cat "$DIR/storage-driver" 2>/dev/null || echo '?')"
  else
    echo "stopped"
    return 1
  fi
}

leftovers() {
  answers || { say "no engine answers at $DOCKER_HOST"; exit 1; }
  local containers volumes networks
  containers="$(docker ps -a --format '{{.ID}} {{.Image}} {{.Names}} {{.Status}}')"
  volumes="$(docker volume ls -q)"
  networks="$(docker network ls --format '{{.Name}}' | grep -vxE 'bridge|host|none' || true)"
  if [[ -z "$containers$volumes$networks" ]]; then
    echo "no container, volume or network left in $DOCKER_HOST"
    return 0
  fi
  [[ -n "$containers" ]] && echo "containers left:" && echo "$containers"
  [[ -n "$volumes" ]] && echo "volumes left:" && echo "$volumes"
  [[ -n "$networks" ]] && echo "networks left:" && echo "$networks"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  leftovers) leftovers ;;
  *)
    echo "usage: $0 start|stop|status|env|leftovers" >&2
    exit 2
    ;;
esac
