# SecantusDB: a single-node server that speaks MongoDB's wire protocol on
# WiredTiger, from PyPI (pinned in infra/tests/requirements.txt). The test
# run and `scripts/dev.sh --mongo` use it where no MongoDB is at hand; it
# has no replica sets, so the production overlay's rs0 is not exercised.
# Source after scripts/lib/tools.sh; it brings scripts/lib/venv.sh along.

source scripts/lib/venv.sh

MONGO_PID=""

# start_secantus STORAGE: starts it on a free loopback port with STORAGE
# (a folder, or :memory:), sets MONGO_URL and MONGO_PID; the caller stops it.
start_secantus() {
  local storage=$1 port log
  need_venv || return 1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  log=$(mktemp "${TMPDIR:-/tmp}/secantus.XXXXXX.log")
  "$VENV/bin/python" -m secantus --host 127.0.0.1 --port "$port" --storage-path "$storage" \
    --log-level WARNING >"$log" 2>&1 &
  MONGO_PID=$!
  for _ in $(seq 1 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      export MONGO_URL="mongodb://127.0.0.1:$port"
      say "SecantusDB $("$VENV/bin/pip" show SecantusDB 2>/dev/null | awk '/^Version/{print $2}') at $MONGO_URL (storage: $storage)"
      return 0
    fi
    kill -0 "$MONGO_PID" 2>/dev/null || break
    sleep 0.2
  done
  cat "$log" >&2
  return 1
}

# stop_secantus: stops the server start_secantus started, if any.
stop_secantus() {
  [ -z "$MONGO_PID" ] || kill "$MONGO_PID" 2>/dev/null || true
  MONGO_PID=""
}
