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
#    Prometheus' HTTP API and draws the panels with matplotlib (pinned, in a
#    venv under ~/.cache/ticketing) where the dashboard's gridPos puts them.
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
"$venv/bin/python" - "$dashboard" "$prom" "$started" "$ended" "$scrape_seconds" "$out" "${dead_letter:-false}" <<'PY'
"""Draws the panels of a Grafana dashboard JSON from Prometheus' HTTP API."""
import datetime, json, math, re, sys, urllib.parse, urllib.request

import matplotlib
matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

dashboard_file, prom, start, end, scrape, out, dead_letter = sys.argv[1:]
start, end, scrape = int(start), int(end), int(scrape)
dashboard = json.load(open(dashboard_file))

# Grafana's dark theme and its classic palette.
PAGE, PANEL, BORDER, TEXT, DIM, GRID = "#111217", "#181b1f", "#2c3235", "#ccccdc", "#8e8e9e", "#24272b"
PALETTE = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0",
           "#37872d", "#fade2a", "#447ebc", "#c15c17", "#890f02", "#0a437c", "#6d1f62", "#584477"]


def substitute(expr):
    """Grafana's variables: the interval ones from the scrape interval; a
    dashboard variable by its current value, else any value."""
    step = f"{4 * scrape}s"
    expr = expr.replace("$__rate_interval", step).replace("${__rate_interval}", step)
    expr = expr.replace("$__interval", f"{scrape}s").replace("${__interval}", f"{scrape}s")
    expr = expr.replace("$__range", f"{end - start}s").replace("${__range}", f"{end - start}s")
    for var in dashboard.get("templating", {}).get("list", []):
        name = var["name"]
        value = (var.get("current") or {}).get("value")
        if isinstance(value, list):
            value = "|".join(value)
        if value in (None, "", "$__all"):
            value = ".+"
            expr = re.sub(r'(\w+)\s*=\s*"\$\{?' + name + r'\}?"', r'\1=~".+"', expr)
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    return expr


def query_range(expr):
    step = max(scrape, (end - start) // 250)
    url = f"{prom}/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(url) as answer:
        body = json.load(answer)
    if body["status"] != "success":
        raise SystemExit(f"{expr}: {body}")
    return body["data"]["result"]


def legend(fmt, labels, expr):
    """(the series' name, the label names it shows). Grafana's __auto shows the
    label set; here its values only, the names once above the legend."""
    if fmt and fmt != "__auto":
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt), ""
    shown = sorted((k, v) for k, v in labels.items() if k != "__name__")
    if not shown:
        return expr, ""
    return " · ".join(v for _, v in shown), " · ".join(k for k, _ in shown)


def si(value, suffix):
    for factor, prefix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{suffix}".rstrip()
    return f"{value:.3g} {suffix}".rstrip()


def seconds_unit(value, _=None):
    if value == 0:
        return "0 s"
    if abs(value) < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if abs(value) < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


UNITS = {
    "s": seconds_unit,
    "reqps": lambda v, _=None: si(v, "req/s"),
    "ops": lambda v, _=None: si(v, "ops/s"),
    "short": lambda v, _=None: si(v, ""),
}

panels = [p for p in dashboard["panels"] if p.get("type") != "row"]
rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
width_px, unit_h_px, header_px, gap = 1800, 38, 88, 8
height_px = header_px + rows * unit_h_px + gap
fig = plt.figure(figsize=(width_px / 100, height_px / 100), dpi=100, facecolor=PAGE)
W, H = width_px, height_px


def box(x, y, w, h):
    """Pixels from the top-left corner -> figure fractions (left, bottom, w, h)."""
    return (x / W, 1 - (y + h) / H, w / W, h / H)


local = datetime.datetime.now().astimezone().tzinfo
fig.text(16 / W, 1 - 26 / H, dashboard.get("title", "dashboard"), color=TEXT, fontsize=17, weight="bold", va="center")
span = (datetime.datetime.fromtimestamp(start, local).strftime("%H:%M:%S"),
        datetime.datetime.fromtimestamp(end, local).strftime("%H:%M:%S"))
fig.text(16 / W, 1 - 50 / H,
         f"Each panel's own PromQL from {dashboard_file}, run on a local Prometheus (every service scraped every "
         f"{scrape} s) over {end - start} s of purchases on the dev stack, {span[0]}–{span[1]}.",
         color=DIM, fontsize=10.5, va="center")
fig.text(16 / W, 1 - 68 / H,
         "Drawn by scripts/dashboard-screenshot.sh (no Grafana here)"
         + (", which also published a malformed event on purpose for the dead-letter panel." if dead_letter == "true"
            else "."),
         color=DIM, fontsize=10.5, va="center")

empty = []
for panel in panels:
    g = panel["gridPos"]
    x, y = gap + g["x"] * (W - gap) / 24, header_px + g["y"] * unit_h_px
    w, h = g["w"] * (W - gap) / 24 - gap, g["h"] * unit_h_px - gap
    fig.patches.append(Rectangle(box(x, y, w, h)[:2], w / W, h / H, transform=fig.transFigure,
                                 facecolor=PANEL, edgecolor=BORDER, linewidth=1, zorder=-10))
    fig.text((x + 12) / W, 1 - (y + 18) / H, panel.get("title", ""), color=TEXT, fontsize=11.5, weight="bold",
             va="center")
    series = []
    for target in panel.get("targets", []):
        if target.get("hide") or not target.get("expr"):
            continue
        for result in query_range(substitute(target["expr"])):
            points = [(datetime.datetime.fromtimestamp(float(t), local), float(v)) for t, v in result["values"]]
            name, keys = legend(target.get("legendFormat"), result["metric"], target["expr"])
            series.append((name, points, keys))
    series.sort(key=lambda s: s[0])
    keys = {k for _, _, k in series}
    heading = keys.pop() if len(keys) == 1 else ""
    legend_w = 0.40 * w
    ax = fig.add_axes(box(x + 62, y + 34, w - 62 - legend_w - 14, h - 34 - 30), facecolor=PANEL)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(colors=DIM, labelsize=9, length=0)
    ax.grid(True, color=GRID, linewidth=1)
    ax.set_xlim(datetime.datetime.fromtimestamp(start, local), datetime.datetime.fromtimestamp(end, local))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6, tz=local))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S", tz=local))
    xmin, xmax = ax.get_xlim()  # no tick in the corner, where the y axis' 0 is
    ax.set_xticks([t for t in ax.xaxis.get_major_locator()() if t > xmin + 0.06 * (xmax - xmin)])
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(FuncFormatter(UNITS.get(panel.get("fieldConfig", {}).get("defaults", {}).get("unit"),
                                                         UNITS["short"])))
    finite = [v for _, points, _ in series for _, v in points if math.isfinite(v)]
    if not finite:
        empty.append(panel.get("title", ""))
        ax.set_ylim(0, 1)
        ax.text(0.5, 0.5, "No data", color=DIM, fontsize=13, ha="center", va="center", transform=ax.transAxes)
        continue
    top = max(finite)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    lines = []
    for i, (name, points, _) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        ax.plot([t for t, _ in points], [v for _, v in points], color=color, linewidth=1.6)
        last = next((v for _, v in reversed(points) if math.isfinite(v)), float("nan"))
        lines.append((name, color, last))
    # The legend as Grafana's list on the right: colour, name, last value.
    fmt = UNITS.get(panel.get("fieldConfig", {}).get("defaults", {}).get("unit"), UNITS["short"])
    top_y = y + 40
    if heading:
        fig.text((x + w - legend_w + 18) / W, 1 - top_y / H, heading, color=DIM, fontsize=8.2, va="center",
                 style="italic")
        fig.text((x + w - 10) / W, 1 - top_y / H, "last", color=DIM, fontsize=8.2, va="center", ha="right",
                 style="italic")
        top_y += 14
    room = int((y + h - 6 - top_y) // 14)
    shown = lines if len(lines) <= room else lines[: room - 1]
    for row, (name, color, last) in enumerate(shown):
        ty = top_y + row * 14
        fig.patches.append(Rectangle(box(x + w - legend_w, ty - 2, 12, 4)[:2], 12 / W, 4 / H,
                                     transform=fig.transFigure, facecolor=color, edgecolor="none"))
        label = name if len(name) <= 44 else name[:43] + "…"
        fig.text((x + w - legend_w + 18) / W, 1 - ty / H, label, color=TEXT, fontsize=8.2, va="center")
        fig.text((x + w - 10) / W, 1 - ty / H, fmt(last) if math.isfinite(last) else "–", color=DIM, fontsize=8.2,
                 va="center", ha="right")
    if len(shown) < len(lines):
        fig.text((x + w - legend_w + 18) / W, 1 - (top_y + len(shown) * 14) / H,
                 f"+ {len(lines) - len(shown)} more series", color=DIM, fontsize=8.2, va="center")

fig.savefig(out, facecolor=PAGE)
print(f"  panels without data: {', '.join(empty)}" if empty else "  every panel has data", file=sys.stderr)
PY
say "wrote $out"
