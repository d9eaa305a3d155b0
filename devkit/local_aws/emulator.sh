#!/usr/bin/env bash
# Starts and stops the local AWS emulator (ministack + devkit/local_aws/ministack_compat.py).
#
#   emulator.sh up | down | status
#
# Environment: EMULATOR_PYTHON (the emulator venv's python, required for up),
# LOCAL_AWS_PORT (default 4566), LOCAL_AWS_STATE (state folder, default
# .local-aws), LOCAL_AWS_PERSIST=1 to keep emulator state across restarts,
# LOCAL_AWS_COMPAT=off to run stock ministack, LOCAL_AWS_AUTH=1 to enforce IAM
# (ministack's AUTH=true; the emulator's own root credentials are then test/test,
# whatever AWS_* credentials or profile the calling shell has), LAMBDA_ACCOUNT_CONCURRENCY
# (Lambda invocations in flight at most, default 16 per core; compat_concurrency.py).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
port=${LOCAL_AWS_PORT:-4566}
state=${LOCAL_AWS_STATE:-.local-aws}
pid_file="$state/ministack-$port.pid"
log_file="$state/ministack-$port.log"
health="http://127.0.0.1:$port/_ministack/health"
# Who runs local AWS on this port, for every checkout on this machine: the
# state folder and pid, so another checkout can name it instead of reusing it.
owners="${TMPDIR:-/tmp}/durable-bedrock-local-aws"
owner_file="$owners/$port"

running_pid() {
  [[ -f $pid_file ]] || return 1
  local pid
  pid=$(<"$pid_file")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

up() {
  if pid=$(running_pid); then
    echo "local AWS already running on 127.0.0.1:$port (pid $pid)"
    return
  fi
  refuse_if_port_taken
  : "${EMULATOR_PYTHON:?EMULATOR_PYTHON must name the emulator venv python (run make setup)}"
  mkdir -p "$state" "$owners"
  local persist=()
  if [[ ${LOCAL_AWS_PERSIST:-0} == 1 ]]; then
    persist=(PERSIST_STATE=1 S3_PERSIST=1 "STATE_DIR=$state/data-$port" "S3_DATA_DIR=$state/data-$port/s3")
  fi
  # IAM is enforced only through LOCAL_AWS_AUTH, never by an AUTH the shell
  # happens to export. Under it the root credentials are pinned to the test/test
  # pair every client here signs with: a developer's real keys, session token or
  # profile would change the root's secret and token, and no test request would
  # verify. Unknown AWS managed policies are not autocreated (they would allow *:*).
  local auth=(AUTH=false)
  if [[ ${LOCAL_AWS_AUTH:-0} == 1 ]]; then
    auth=(-u AWS_PROFILE -u AWS_SESSION_TOKEN -u MINISTACK_AUTOCREATE_AWS_MANAGED
      AUTH=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)
  fi
  # setsid: the emulator leads its own process group, so `down` can also
  # reap the Lambda worker processes it spawned.
  env "${auth[@]}" GATEWAY_PORT="$port" BIND_HOST=127.0.0.1 LOG_LEVEL=INFO "${persist[@]}" \
    setsid "$EMULATOR_PYTHON" "$here/launch.py" >"$log_file" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pid_file"
  printf '%s\t%s\n' "$pid" "$(cd "$state" && pwd)" >"$owner_file"
  echo -n "starting local AWS on 127.0.0.1:$port (pid $pid, log $log_file) "
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAILED: the emulator exited; last log lines:" >&2
      tail -n 20 "$log_file" >&2
      rm -f "$pid_file"
      exit 1
    fi
    if curl -fsS -o /dev/null "$health" 2>/dev/null; then
      echo "ready"
      return
    fi
    echo -n "."
    sleep 0.5
  done
  echo "FAILED: not healthy after 60 s; see $log_file" >&2
  down
  exit 1
}

# port_taken: something accepts connections on 127.0.0.1:$port.
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# The other checkout's local AWS on this port ("PID<TAB>STATE"), if it is alive.
foreign_owner() {
  local pid dir
  [[ -f $owner_file ]] && IFS=$'\t' read -r pid dir <"$owner_file" && kill -0 "$pid" 2>/dev/null \
    && echo "pid $pid, state folder $dir"
}

# Called when this state folder runs nothing on the port: anything listening
# there belongs to someone else, and reusing it would mix two checkouts' state.
refuse_if_port_taken() {
  port_taken || return 0
  local whose
  if whose=$(foreign_owner); then
    echo "error: 127.0.0.1:$port already runs the local AWS of another checkout ($whose)." >&2
    echo "  Stop it there (make down, in the folder that holds that state folder), or use another port here:" >&2
  else
    echo "error: 127.0.0.1:$port is taken by another program (not a local AWS started by this project)." >&2
    echo "  Stop that program, or use another port here:" >&2
  fi
  echo "  make ... LOCAL_AWS_PORT=$(( port + 11 )) (pass the same LOCAL_AWS_PORT to every make target)." >&2
  exit 1
}

down() {
  local pid whose
  if ! pid=$(running_pid); then
    rm -f "$pid_file"
    if whose=$(foreign_owner); then
      echo "local AWS on port $port is not this checkout's ($whose): stop it from there"
    else
      echo "local AWS not running on port $port"
    fi
    return
  fi
  # SIGTERM is when ministack saves its state (with LOCAL_AWS_PERSIST=1).
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "local AWS (pid $pid) ignored SIGTERM for 30 s; killing it" >&2
    kill -KILL "$pid"
  fi
  # Lambda workers left in the emulator's process group go with it.
  kill -TERM -- "-$pid" 2>/dev/null || true
  rm -f "$pid_file" "$owner_file"
  echo "local AWS stopped (pid $pid)"
}

status() {
  if pid=$(running_pid); then
    echo "local AWS running on 127.0.0.1:$port (pid $pid)"
  else
    echo "local AWS not running on port $port"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
