#!/usr/bin/env bash
# Property-based fuzzing of the whole HTTP API from its OpenAPI description
# (schemathesis, pinned in infra/tests/requirements.txt), against the whole
# local stack started through the launcher on private ports with its own
# NATS, Redis and fake Stripe, in a temporary data folder.
#
#   scripts/api-fuzz.sh                  build, start the stack, a bounded run
#   scripts/api-fuzz.sh --no-build       use the binaries already built
#   scripts/api-fuzz.sh --bin-dir DIR    the binaries are in DIR
#   API_FUZZ_EXAMPLES=500 scripts/api-fuzz.sh   more cases per operation
#
# The document is the one the stack serves at /api/openapi.json. Requests
# that need a session carry one from tests/api-fuzz/hooks.py (a signup).
# Stateful runs follow the document's links: list a ticket, show it, order
# it, pay for it (the fake accepts tok_visa) or cancel it. Checks: no 5xx,
# every answer matches its documented schema, none slower than 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh
source scripts/lib/venv.sh

build=true
bin_dir="$BIN_DIR"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=false ;;
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a folder"; bin_dir="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
  shift
done
examples="${API_FUZZ_EXAMPLES:-20}"

need_venv
if $build; then
  need_musl
  build_workspace --bins
fi
for bin in devstack auth tickets orders payments expiration fake-stripe client; do
  [ -x "$bin_dir/$bin" ] || die "$bin_dir/$bin is missing: run without --no-build"
done

read -r -a ports <<<"$(python3 - <<'PY'
import socket
held = []
for _ in range(10):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))
PY
)"
data=$(mktemp -d)
log="$data/stack.log"
stack_pid=""
stop_stack() {
  if [ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$stack_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap stop_stack EXIT

say "starting the stack on port ${ports[0]} (data in $data)"
env -u STRIPE_KEY -u STRIPE_PUBLISHABLE_KEY \
  PORT="${ports[0]}" AUTH_PORT="${ports[1]}" TICKETS_PORT="${ports[2]}" ORDERS_PORT="${ports[3]}" \
  PAYMENTS_PORT="${ports[4]}" EXPIRATION_PORT="${ports[5]}" CLIENT_PORT="${ports[6]}" \
  FAKE_STRIPE_PORT="${ports[7]}" NATS_URL="nats://127.0.0.1:${ports[8]}" REDIS_URL="redis://127.0.0.1:${ports[9]}" \
  SITE_DIR="$PWD/target/site" LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}" \
  "$bin_dir/devstack" --bin-dir "$bin_dir" --data-dir "$data/data" >"$log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 240); do
  grep -q "ticketing is running" "$log" && break
  kill -0 "$stack_pid" 2>/dev/null || { cat "$log" >&2; die "the stack stopped before it was ready"; }
  sleep 0.5
done
grep -q "ticketing is running" "$log" || { tail -50 "$log" >&2; die "the stack was not ready within 2 minutes"; }

url="http://127.0.0.1:${ports[0]}"
# The live streams (contract 3.5) never end by design: nothing to fuzz there,
# and a request would only wait out its timeout.
say "schemathesis against $url ($examples examples per operation)"
status=0
TICKETING_URL="$url" PYTHONPATH="$PWD/tests/api-fuzz" SCHEMATHESIS_HOOKS=hooks \
  "$VENV/bin/schemathesis" run "$url/api/openapi.json" --url "$url" \
  --checks not_a_server_error,response_schema_conformance --max-response-time 2 \
  --max-examples "$examples" --generation-deterministic \
  --request-timeout 10 --no-color \
  --exclude-path-regex '/updates$' || status=$?
if [ "$status" -ne 0 ]; then
  say "the stack's log (last 80 lines):"
  tail -80 "$log" >&2
fi
exit "$status"
