#!/usr/bin/env bash
# Runs the browser tests (tests/browser/) in Debian's Chromium against the
# whole local stack, started through the launcher on private ports with its
# own NATS, Redis and fake Stripe, in a temporary data folder.
#
#   scripts/browser-tests.sh                  build, start the stack, run the tests
#   scripts/browser-tests.sh --screenshots    also save PNGs of the pages to docs/screenshots/
#   scripts/browser-tests.sh --no-build       use the binaries and site already built
#   scripts/browser-tests.sh --bin-dir DIR    the binaries are in DIR (default: the shared build's)
#
# Installs what is missing: chromium (apt), playwright-core (npm ci in
# tests/browser), and the wasm tools (through scripts/build-client.sh).
# Never `npx playwright install`: Chromium comes from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh

build=true
screenshots=""
bin_dir="$BIN_DIR"
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshots) screenshots="$PWD/docs/screenshots" ;;
    --no-build) build=false ;;
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a folder"; bin_dir="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
  shift
done

# A short reservation window, so an order expires on screen within the test.
window="${EXPIRATION_WINDOW_SECONDS:-20}"

need_rust
need_command nats-server nats-server
need_command redis-server redis-server
need_command chromium chromium
need_command node nodejs
need_command npm npm

if [ ! -d tests/browser/node_modules/playwright-core ]; then
  say "installing playwright-core (npm ci in tests/browser)"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

if $build; then
  say "building the services and the launcher"
  need_musl
  build_workspace --bins
  scripts/build-client.sh --site-only  # the workspace build made the client's server
fi
for bin in devstack auth tickets orders payments expiration fake-stripe client; do
  [ -x "$bin_dir/$bin" ] || die "$bin_dir/$bin is missing: run without --no-build"
done
[ -f target/site/pkg/client_bg.wasm ] || die "target/site is not built: run scripts/build-client.sh"

# Free loopback ports for everything the stack serves, NATS and Redis included
# (nothing answers there, so the launcher starts its own).
read -r -a ports <<<"$(python3 - <<'EOF'
import socket
held = []
for _ in range(10):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
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
  EXPIRATION_WINDOW_SECONDS="$window" NATS_ACK_WAIT_SECONDS=2 SITE_DIR="$PWD/target/site" \
  LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}" \
  "$bin_dir/devstack" --bin-dir "$bin_dir" --data-dir "$data/data" >"$log" 2>&1 &
stack_pid=$!

for _ in $(seq 1 240); do
  grep -q "ticketing is running" "$log" && break
  kill -0 "$stack_pid" 2>/dev/null || { cat "$log" >&2; die "the stack stopped before it was ready"; }
  sleep 0.5
done
grep -q "ticketing is running" "$log" || { tail -50 "$log" >&2; die "the stack was not ready within 2 minutes"; }

say "browser tests against http://localhost:${ports[0]}"
status=0
(
  cd tests/browser
  BASE_URL="http://localhost:${ports[0]}" EXPIRATION_WINDOW_SECONDS="$window" SCREENSHOT_DIR="$screenshots" FRESH_STACK=1 \
    node --test --test-concurrency=1 --test-reporter=spec
) || status=$?
if [ "$status" -ne 0 ]; then
  say "the stack's log (last 80 lines):"
  tail -80 "$log" >&2
fi
exit "$status"
