#!/usr/bin/env bash
# The stores' credentials, end to end, with real servers and the real binaries:
#
#   infra/tests/credentials-smoke.sh --bin-dir target/x86_64-unknown-linux-musl/debug
#
# 1. starts nats-server with infra/k8s/nats-auth.yaml's users (random
#    passwords, as the Secret would give them) and redis-server with a password;
# 2. runs the five services (SQLite stores) and the fake Stripe, each NATS user
#    logging in through its URL, as in the manifests, and waits for /readyz;
# 3. drives every event of the README's table: a ticket (ticket.created), an
#    order left to expire (order.created, expiration.complete, order.cancelled,
#    ticket.updated), an order paid (payment.created);
# 4. checks the server refused none of the services' own publishes or
#    subscriptions, and refuses the forged ones: tickets publishing
#    payment.created, orders reading every inbox, admin publishing an event,
#    a client without a password (NATS and Redis alike).
# Needs nats-server and redis-server (scripts/dev.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/tools.sh
source scripts/lib/venv.sh

bin_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a folder"; bin_dir="$2"; shift ;;
    *) die "unknown option $1" ;;
  esac
  shift
done
[ -n "$bin_dir" ] || die "pass --bin-dir DIR (the static binaries of the shared build)"
need_command nats-server nats-server
need_command redis-server redis-server
need_venv

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# As infra/create-secrets.sh makes them: a letter, then hex.
secret() { python3 -c 'import secrets; print("k" + secrets.token_hex(16))'; }

"$VENV/bin/python" -c '
import sys, yaml
print(yaml.safe_load(open("infra/k8s/nats-auth.yaml"))["data"]["auth.conf"])' >"$work/auth.conf"
declare -A password
for user in tickets orders payments expiration admin; do
  password[$user]=$(secret)
  export "NATS_${user^^}_PASSWORD=${password[$user]}"
done
redis_password=$(secret)

nats_port=$(port)
say "nats-server with nats-auth.yaml's users on $nats_port"
nats-server -js -sd "$work/js" -a 127.0.0.1 -p "$nats_port" -c "$work/auth.conf" >"$work/nats.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $nats_port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
python3 -c "import socket; socket.create_connection(('127.0.0.1', $nats_port), 0.2)" 2>/dev/null \
  || { cat "$work/nats.log"; die "nats-server did not start"; }
redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --requirepass "$redis_password" >"$work/redis.log" 2>&1 &
pids+=($!)

declare -A ports
stripe_port=$(port)
PORT=$stripe_port "$bin_dir/fake-stripe" >"$work/fake-stripe.log" 2>&1 &
pids+=($!)
for service in auth tickets orders payments expiration; do
  ports[$service]=$(port)
  env -i PATH="$PATH" PORT="${ports[$service]}" LOG_FORMAT=pretty COOKIE_SECURE=false \
    JWT_KEY=credentials-smoke DATABASE_URL="sqlite:$work/$service.db" \
    NATS_URL="nats://$service:${password[$service]:-none}@127.0.0.1:$nats_port" \
    REDIS_URL="redis://:$redis_password@127.0.0.1:$redis_port" \
    EXPIRATION_WINDOW_SECONDS=2 STRIPE_KEY=sk_test_smoke STRIPE_API_BASE="http://127.0.0.1:$stripe_port/" \
    "$bin_dir/$service" >"$work/$service.log" 2>&1 &
  pids+=($!)
done

failures=0
fail() { say "FAIL $*"; failures=$((failures + 1)); }
for service in auth tickets orders payments expiration; do
  ready=false
  for _ in $(seq 1 50); do
    if curl -fsS "http://127.0.0.1:${ports[$service]}/readyz" >/dev/null 2>&1; then ready=true; break; fi
    sleep 0.2
  done
  $ready || { fail "$service not ready within 30 s"; tail -20 "$work/$service.log"; }
done
[ "$failures" -eq 0 ] || { tail -20 "$work/nats.log"; die "the services did not start with their credentials"; }
say "all five services ready, logged in to NATS and Redis as their own users"

# api SERVICE METHOD PATH [JSON]: prints the body; the cookie jar is shared.
api() {
  curl -fsS -b "$work/cookies" -c "$work/cookies" -X "$2" -H 'content-type: application/json' \
    ${4:+--data "$4"} "http://127.0.0.1:${ports[$1]}$3"
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# eventually DESCRIPTION COMMAND...: retries for 20 s.
eventually() {
  local what=$1; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "$what"; return 1
}

api auth POST /api/users/signup '{"email":"smoke@example.com","password":"secret1"}' >/dev/null
ticket=$(api tickets POST /api/tickets '{"title":"Smoke","price":20}' | json '["id"]')
order_for() { api orders POST /api/orders "{\"ticketId\":\"$ticket\"}" >"$work/order"; }
eventually "orders never saw ticket.created" order_for
order=$(json '["id"]' <"$work/order")
is_cancelled() { [ "$(api orders GET "/api/orders/$order" | json '["status"]')" = cancelled ]; }
eventually "the order never expired (expiration.complete, order.cancelled)" is_cancelled
is_free() { [ "$(api tickets GET "/api/tickets/$ticket" | json '.get("orderId")')" = None ]; }
eventually "tickets never released the ticket (order.cancelled)" is_free
eventually "orders could not reserve the released ticket (ticket.updated)" order_for
order=$(json '["id"]' <"$work/order")
pay() { api payments POST /api/payments "{\"token\":\"tok_visa\",\"orderId\":\"$order\"}"; }
eventually "payments never saw order.created" pay
is_complete() { [ "$(api orders GET "/api/orders/$order" | json '["status"]')" = complete ]; }
eventually "the order never completed (payment.created)" is_complete
say "every event of the README's table went through"

# Forgeries, over NATS' own protocol, as a client named "forger".
"$VENV/bin/python" - "$nats_port" "${password[tickets]}" "${password[orders]}" "${password[admin]}" \
  "$redis_port" <<'EOF' || failures=$((failures + 1))
import json, socket, sys

port, tickets, orders, admin, redis_port = sys.argv[1:]

def nats(user, password, *commands):
    s = socket.create_connection(("127.0.0.1", int(port)), 2)
    s.recv(4096)  # INFO
    creds = {"user": user, "pass": password} if user else {}
    s.sendall(("CONNECT " + json.dumps({"verbose": False, "name": "forger", **creds}) + "\r\n").encode())
    s.sendall("".join(c + "\r\n" for c in commands).encode() + b"PING\r\n")
    out = b""
    while b"PONG" not in out and b"-ERR" not in out:
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    return out.decode()

cases = [
    ("tickets publishing payment.created", nats("tickets", tickets, "PUB payment.created 2\r\n{}"), "Permissions Violation"),
    ("orders reading every inbox", nats("orders", orders, "SUB _INBOX.> 1"), "Permissions Violation"),
    ("admin publishing order.created", nats("admin", admin, "PUB order.created 2\r\n{}"), "Permissions Violation"),
    ("a client without a password", nats(None, None), "Authorization Violation"),
    ("tickets publishing a subject not in the table", nats("tickets", tickets, "PUB ticket.deleted 0\r\n"), "Permissions Violation"),
]
failed = 0
for what, reply, want in cases:
    ok = want in reply
    print(f"    {'refused' if ok else 'ALLOWED'}: {what}")
    failed += not ok
r = socket.create_connection(("127.0.0.1", int(redis_port)), 2)
r.sendall(b"PING\r\n")
reply = r.recv(256).decode()
print(f"    {'refused' if reply.startswith('-NOAUTH') else 'ALLOWED'}: Redis without its password")
failed += not reply.startswith("-NOAUTH")
sys.exit(1 if failed else 0)
EOF

# The services' own traffic: not one refusal (the forger's are expected).
if grep -i "violation" "$work/nats.log" | grep -v '"forger"' | grep -q .; then
  fail "nats-server refused the services something:"
  grep -i "violation" "$work/nats.log" | grep -v '"forger"' | head -10
fi
[ "$failures" -eq 0 ] || die "$failures credential check(s) failed"
say "credentials smoke test passed"
