# The whole stack through the launcher on private loopback ports, for the
# scripts that test it from outside (browser-tests.sh, api-fuzz.sh).
#
# Source it after scripts/lib/tools.sh.

# start_private_stack BIN_DIR [NAME=VALUE ...]: starts the launcher with every
# port free (NATS and Redis too, so the launcher starts its own), temporary
# data, the fake Stripe, and the extra settings given; waits until it serves.
# Sets ports (ports[0] is the gateway), stack_log; stops it all on exit.
start_private_stack() {
  local bin_dir="$1"
  shift
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
  stack_data=$(mktemp -d)
  stack_log="$stack_data/stack.log"
  stack_pid=""
  trap stop_private_stack EXIT
  say "starting the stack on port ${ports[0]} (data in $stack_data)"
  env -u STRIPE_KEY -u STRIPE_PUBLISHABLE_KEY \
    PORT="${ports[0]}" AUTH_PORT="${ports[1]}" TICKETS_PORT="${ports[2]}" ORDERS_PORT="${ports[3]}" \
    PAYMENTS_PORT="${ports[4]}" EXPIRATION_PORT="${ports[5]}" CLIENT_PORT="${ports[6]}" \
    FAKE_STRIPE_PORT="${ports[7]}" NATS_URL="nats://127.0.0.1:${ports[8]}" REDIS_URL="redis://127.0.0.1:${ports[9]}" \
    SITE_DIR="$PWD/target/site" LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}" "$@" \
    "$bin_dir/devstack" --bin-dir "$bin_dir" --data-dir "$stack_data/data" >"$stack_log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 1 240); do
    grep -q "ticketing is running" "$stack_log" && return 0
    kill -0 "$stack_pid" 2>/dev/null || { cat "$stack_log" >&2; die "the stack stopped before it was ready"; }
    sleep 0.5
  done
  tail -50 "$stack_log" >&2
  die "the stack was not ready within 2 minutes"
}

# stop_private_stack: TERM, up to 30 s to drain, then KILL; data deleted.
stop_private_stack() {
  if [ -n "${stack_pid:-}" ] && kill -0 "$stack_pid" 2>/dev/null; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$stack_pid" 2>/dev/null || true
  fi
  rm -rf "${stack_data:-}"
}
