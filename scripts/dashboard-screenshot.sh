#!/usr/bin/env bash
# Renders the Grafana dashboard of the observability component
# (infra/k8s/components/observability/dashboard.json) from a real Prometheus
# scraping a local stack, as a picture for the README:
#
#   scripts/dashboard-screenshot.sh [--reuse] [--dead-letter] [SECONDS]
#                                            -> docs/screenshots/dashboard.png
#
# 1. Starts the dev stack (what scripts/dev.sh runs: the launcher and the
#    debug build it shares with scripts/test.sh, built here when stale, but
#    not the client's browser bundle, which metrics do not need) on free
#    ports, with its own NATS and Redis and its data in a temporary folder,
#    orders expiring after 20 s. With --reuse it uses the stack already
#    running instead, on PORT and the *_PORT variables it was started with
#    (defaults 3000-3006).
# 2. Starts Debian's prometheus (apt-installed when missing) scraping every
#    service's /metrics every 2 s, each as job=<service> like the
#    ServiceMonitor does.
# 3. Runs the load generator's flows (infra/k8s/components/loadgen: list a
#    ticket, order it, pay with tok_visa or leave every third order to
#    expire), plus a ticket list and an order list each time, for SECONDS
#    (default 120), then waits for the last orders to expire. On its own
#    stack, or with --dead-letter, it also publishes an unparseable
#    `ticket.created` on NATS (NATS_URL with --reuse) half-way, which
#    orders parks as a dead letter, so that panel has
#    something to show; the picture's subtitle says so.
# 4. Runs each panel's own PromQL (targets[].expr) over the run through
#    Prometheus' HTTP API and draws the panels (scripts/lib/draw_dashboard.py:
#    matplotlib, pinned, in a venv under ~/.cache/ticketing) where the
#    dashboard's gridPos puts them.
#
# There is no Grafana here: the picture is the dashboard's panels drawn from
# the queries Grafana would run, not a Grafana screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh

reuse=false
dead_letter=""
seconds=120
for arg in "$@"; do
  case "$arg" in
    --reuse) reuse=true ;;
    --dead-letter) dead_letter=true ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *[!0-9]*|'') die "unknown option $arg (try --help)" ;;
    *) seconds=$arg ;;
  esac
done

need_command prometheus prometheus
need_command curl curl
need_command python3 python3
dashboard=infra/k8s/components/observability/dashboard.json
out=docs/screenshots/dashboard.png
scrape_seconds=2

venv="${XDG_CACHE_HOME:-$HOME/.cache}/ticketing/dashboard-venv"
matplotlib=matplotlib==3.11.2
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$matplotlib" ]; then
  say "installing $matplotlib into $venv (pip)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check --quiet "$matplotlib"
  echo "$matplotlib" >"$venv/.requirements"
fi

work=$(mktemp -d)
stack_pid=""
prometheus_pid=""
load_pid=""
cleanup() {
  if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null || true; fi
  if [ -n "$prometheus_pid" ]; then kill "$prometheus_pid" 2>/dev/null || true; wait "$prometheus_pid" 2>/dev/null || true; fi
  if [ -n "$stack_pid" ]; then
    # The launcher runs in a process group of its own (setsid below): stop it all.
    kill -TERM -- "-$stack_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$stack_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
PY
}

services=(auth tickets orders payments expiration client)
declare -A port
if [ "$reuse" = true ]; then
  gateway=${PORT:-3000}
  port=([auth]=${AUTH_PORT:-3001} [tickets]=${TICKETS_PORT:-3002} [orders]=${ORDERS_PORT:-3003}
        [payments]=${PAYMENTS_PORT:-3004} [expiration]=${EXPIRATION_PORT:-3005} [client]=${CLIENT_PORT:-3006})
  curl -fsS -o /dev/null "http://127.0.0.1:$gateway/api/users/currentuser" \
    || die "no stack answers on port $gateway (start scripts/dev.sh, or leave out --reuse)"
  nats_url=${NATS_URL:-nats://127.0.0.1:4222}
  say "using the stack on port $gateway"
else
  read -r gateway p_auth p_tickets p_orders p_payments p_expiration p_client p_stripe p_nats p_redis < <(free_ports 10)
  port=([auth]=$p_auth [tickets]=$p_tickets [orders]=$p_orders [payments]=$p_payments
        [expiration]=$p_expiration [client]=$p_client)
  nats_url="nats://127.0.0.1:$p_nats"
  dead_letter=${dead_letter:-true}
  need_stack
  need_musl
  say "building the services (debug, as scripts/dev.sh does)"
  build_workspace --bins
  say "starting the dev stack on port $gateway (log: $work/stack.log)"
  setsid env PORT="$gateway" AUTH_PORT="$p_auth" TICKETS_PORT="$p_tickets" ORDERS_PORT="$p_orders" \
    PAYMENTS_PORT="$p_payments" EXPIRATION_PORT="$p_expiration" CLIENT_PORT="$p_client" \
    FAKE_STRIPE_PORT="$p_stripe" NATS_URL="nats://127.0.0.1:$p_nats" REDIS_URL="redis://127.0.0.1:$p_redis" \
    DATA_DIR="$work/data" EXPIRATION_WINDOW_SECONDS=20 RUST_LOG=warn \
    "$BIN_DIR/devstack" --bin-dir "$BIN_DIR" >"$work/stack.log" 2>&1 </dev/null &
  stack_pid=$!
  # Every service must be ready.
  all_ready() {
    for s in "${services[@]}"; do curl -fsS -o /dev/null "http://127.0.0.1:${port[$s]}/readyz" 2>/dev/null || return 1; done
  }
  until all_ready; do
    kill -0 "$stack_pid" 2>/dev/null || { tail -30 "$work/stack.log" >&2; die "the dev stack stopped"; }
    sleep 1
  done
fi

prometheus_port=$(free_ports 1)
{
  printf 'global:\n  scrape_interval: %ss\n  evaluation_interval: %ss\nscrape_configs:\n' "$scrape_seconds" "$scrape_seconds"
  for s in "${services[@]}"; do
    printf '  - job_name: %s\n    metrics_path: /metrics\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$s" "${port[$s]}"
  done
} >"$work/prometheus.yml"
say "starting prometheus on port $prometheus_port (every service's /metrics every ${scrape_seconds}s)"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus" \
  --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
prom="http://127.0.0.1:$prometheus_port"
for _ in $(seq 1 60); do curl -fsS -o /dev/null "$prom/-/ready" 2>/dev/null && break; sleep 0.5; done
curl -fsS -o /dev/null "$prom/-/ready" || { cat "$work/prometheus.log" >&2; die "prometheus did not start"; }
started=$(date +%s)
sleep $((scrape_seconds * 3))
down=$(curl -fsS "$prom/api/v1/query" --data-urlencode 'query=up == 0' \
  | python3 -c 'import json,sys; print(" ".join(r["metric"]["job"] for r in json.load(sys.stdin)["data"]["result"]))')
[ -z "$down" ] || die "prometheus cannot scrape: $down"

publish_bad_event() {
  say "publishing an unparseable ticket.created on $nats_url (a dead letter for the panel)"
  python3 - "$nats_url" <<'PY'
import socket, sys
from urllib.parse import urlsplit
url = urlsplit(sys.argv[1])
with socket.create_connection((url.hostname, url.port or 4222), timeout=5) as nats:
    nats.recv(4096)  # INFO
    payload = b'{"screenshot": "not a ticket"}'
    nats.sendall(b'CONNECT {"verbose":false}\r\nPUB ticket.created %d\r\n%s\r\nPING\r\n' % (len(payload), payload))
    answer = b""
    while b"PONG" not in answer and b"-ERR" not in answer:
        answer += nats.recv(4096)
    if b"-ERR" in answer:
        sys.exit(f"NATS refused the publish: {answer!r}")
PY
}
say "running purchases and list requests for ${seconds}s"
AUTH_URL="http://127.0.0.1:$gateway" TICKETS_URL="http://127.0.0.1:$gateway" \
ORDERS_URL="http://127.0.0.1:$gateway" PAYMENTS_URL="http://127.0.0.1:$gateway" \
python3 - "$seconds" <<'PY' &
import collections, sys, time
sys.path.insert(0, "infra/k8s/components/loadgen")
import loadgen  # the load generator's flows; BASE comes from the *_URL variables

until = time.monotonic() + int(sys.argv[1])
seller, buyer = loadgen.account("seller"), loadgen.account("buyer")
outcomes, n = collections.Counter(), 0
while time.monotonic() < until:
    started = time.monotonic()
    n += 1
    outcomes[loadgen.purchase(seller, buyer, n)] += 1
    loadgen.call("tickets", "GET", "/api/tickets")
    loadgen.call("orders", "GET", "/api/orders", cookie=buyer)
    time.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
print("  " + ", ".join(f"{count} {outcome}" for outcome, count in outcomes.most_common()), file=sys.stderr)
PY
load_pid=$!
if [ "$dead_letter" = true ]; then
  # Half-way, so the panel shows a quiet first half. One is enough: every
  # handled subject's series is exported at 0 from the listener's start.
  sleep $((seconds / 2))
  publish_bad_event
fi
wait "$load_pid"
# The last orders left to expire expire (20 s when the stack is this script's).
sleep 30
ended=$(date +%s)

say "drawing the dashboard's panels from prometheus ($((ended - started))s of data)"
mkdir -p "$(dirname "$out")"
"$venv/bin/python" scripts/lib/draw_dashboard.py "$dashboard" "$prom" "$started" "$ended" "$scrape_seconds" "$out" "${dead_letter:-false}"
say "wrote $out"
