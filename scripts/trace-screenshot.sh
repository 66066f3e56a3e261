#!/usr/bin/env bash
# Draws the traces that `scripts/dev.sh --traces` collected as a picture for
# the README, a timeline like Jaeger's, with Debian's Chromium:
#
#   scripts/trace-screenshot.sh [TRACE_ID...]    -> docs/screenshots/trace.png
#
# Without trace ids: the latest purchase, that is the most recent trace of a
# `POST /api/orders` that published `order.created` (the order, its
# listeners, the expiration job and `expiration.complete`) and the first
# `POST /api/payments` trace after it (the charge and `payment.created`).
# Buy a ticket first, and wait out EXPIRATION_WINDOW_SECONDS (60 s) for the
# expiration job to be in the trace. Reads ${DATA_DIR:-data}/traces.jsonl;
# `trace-tree --list` (in target/…/debug) lists the trace ids.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh

traces="${DATA_DIR:-data}/traces.jsonl"
[ -s "$traces" ] || die "$traces is missing or empty: run scripts/dev.sh --traces and buy a ticket first"
need_command chromium chromium
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
height=$(python3 - "$traces" "$work/trace.html" "$@" <<'PY'
import html, json, sys

spans = []
for line in open(sys.argv[1]):
    try:
        spans.append(json.loads(line))
    except ValueError:
        pass
by_trace = {}
for span in spans:
    by_trace.setdefault(span["traceId"], []).append(span)
start_of = {t: min(s["startUnixNanos"] for s in ss) for t, ss in by_trace.items()}


def root_name(trace):
    return min(by_trace[trace], key=lambda s: s["startUnixNanos"])["name"]


wanted = [t.lower() for t in sys.argv[3:]]
if not wanted:
    ordered = sorted(by_trace, key=start_of.get)
    orders = [t for t in ordered if root_name(t) == "POST /api/orders"
              and any(s["name"] == "publish order.created" for s in by_trace[t])]
    if orders:
        wanted = [orders[-1]]
        paid = [t for t in ordered if root_name(t) == "POST /api/payments" and start_of[t] > start_of[orders[-1]]]
        wanted += paid[:1]
    else:  # no purchase yet: the latest trace of more than one span
        wanted = [t for t in ordered if len(by_trace[t]) > 1][-1:]
if not wanted:
    sys.exit("no trace of more than one span yet: buy a ticket first")
for trace in wanted:
    if trace not in by_trace:
        sys.exit(f"no trace {trace} (try trace-tree --list)")

COLORS = {"auth": "#8e44ad", "tickets": "#2e86c1", "orders": "#d35400", "payments": "#27ae60",
          "expiration": "#c0392b", "client": "#7f8c8d"}


def duration(nanos):
    if nanos >= 1e9:
        return f"{nanos / 1e9:.2f} s"
    return f"{nanos / 1e6:.1f} ms"


ROW, HEAD = 26, 64
height = 40
sections = []
for trace in wanted:
    ss = by_trace[trace]
    ids = {s["spanId"] for s in ss}
    children = {}
    for s in ss:
        parent = s.get("parentSpanId") if s.get("parentSpanId") in ids else None
        children.setdefault(parent, []).append(s)
    for group in children.values():
        group.sort(key=lambda s: s["startUnixNanos"])
    rows, stack = [], [(s, 0) for s in reversed(children.get(None, []))]
    while stack:
        s, depth = stack.pop()
        rows.append((s, depth))
        stack += [(c, depth + 1) for c in reversed(children.get(s["spanId"], []))]
    t0 = start_of[trace]
    total = max(s["endUnixNanos"] for s in ss) - t0 or 1
    # The timeline, with long idle gaps (the expiration job runs a whole
    # EXPIRATION_WINDOW_SECONDS after the order) cut short and marked.
    merged = []
    for a, b in sorted((s["startUnixNanos"] - t0, s["endUnixNanos"] - t0) for s in ss):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    busy = sum(b - a for a, b in merged)
    cut_width = max(busy, 1) * 0.1  # each cut is drawn as a tenth of the busy time
    pieces, x = [], 0.0  # (real start, real end, drawn start, drawn end)
    for i, (a, b) in enumerate(merged):
        if i:
            gap = a - merged[i - 1][1]
            drawn = cut_width if gap > 5 * busy and gap > 1e9 else gap
            pieces.append((merged[i - 1][1], a, x, x + drawn, drawn != gap))
            x += drawn
        pieces.append((a, b, x, x + b - a, False))
        x += b - a
    drawn_total = x or 1

    def at(t):
        for a, b, xa, xb, _ in pieces:
            if t <= b:
                return 100 * (xa + (xb - xa) * max(0, t - a) / max(b - a, 1)) / drawn_total
        return 100.0

    cuts = [(100 * xa / drawn_total, 100 * (xb - xa) / drawn_total, b - a) for a, b, xa, xb, cut in pieces if cut]
    band = "".join(f'<div class="cut" style="left:{left:.3f}%;width:{width:.3f}%"></div>' for left, width, _ in cuts)
    cut_labels = "".join(f'<span class="cutlabel" style="left:{left:.3f}%">⋯ {duration(real)} later ⋯</span>'
                         for left, _, real in cuts)
    body = []
    for s, depth in rows:
        offset, length = s["startUnixNanos"] - t0, s["endUnixNanos"] - s["startUnixNanos"]
        color = COLORS.get(s["service"], "#555")
        left = at(offset)
        width = at(offset + length) - left
        body.append(
            f'<tr><td class="svc"><span class="chip" style="background:{color}"></span>{html.escape(s["service"])}</td>'
            f'<td class="name" style="padding-left:{8 + depth * 18}px">{html.escape(s["name"])}</td>'
            f'<td class="num">+{duration(offset)}</td><td class="num">{duration(length)}</td>'
            f'<td class="lane">{band}<div class="bar" style="left:min({left:.3f}%,calc(100% - 3px));'
            f'width:max(3px,{width:.3f}%);background:{color}"></div></td></tr>')
    sections.append(
        f'<h2>{html.escape(rows[0][0]["name"])} <small>trace {trace} · {len(ss)} spans · {duration(total)}</small></h2>'
        f'<table><tr><th>service</th><th>span</th><th class="num">starts</th><th class="num">takes</th>'
        f'<th class="lane">0 … {duration(total)}{cut_labels}</th></tr>{"".join(body)}</table>')
    height += HEAD + ROW * (len(rows) + 1)

page = f"""<!doctype html><meta charset="utf-8"><style>
body {{ margin: 0; padding: 14px 20px; background: #fff; color: #222; font: 14px "DejaVu Sans", sans-serif; }}
h1 {{ font-size: 17px; margin: 0 0 6px; height: 28px; }}
h2 {{ font-size: 15px; margin: 14px 0 6px; height: 24px; }}
h2 small {{ font-weight: normal; color: #666; font-size: 13px; margin-left: 8px; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
th {{ text-align: left; font-weight: normal; color: #666; font-size: 12px; border-bottom: 1px solid #ccc; }}
tr {{ height: {ROW}px; }}
tr:nth-child(odd) td {{ background: #f6f7f9; }}
td {{ white-space: nowrap; overflow: hidden; }}
th:nth-child(1) {{ width: 110px; }} th:nth-child(2) {{ width: 330px; }} th:nth-child(3), th:nth-child(4) {{ width: 90px; }}
.chip {{ display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 7px 0 4px; }}
.name {{ font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }}
.num {{ text-align: right; padding-right: 12px; font-variant-numeric: tabular-nums; }}
.lane {{ position: relative; }}
th.lane {{ padding-left: 4px; }}
.lane > div {{ position: absolute; top: 0; bottom: 0; }}
.bar {{ top: 7px !important; bottom: auto !important; height: 12px; border-radius: 2px; }}
.cut {{ background: repeating-linear-gradient(135deg, #e3e5ea 0 4px, transparent 4px 8px); }}
.cutlabel {{ position: absolute; top: 50%; transform: translate(-35%, -50%); color: #888; font-size: 12px; }}
</style><h1>One purchase, traced across the services</h1>{"".join(sections)}"""
open(sys.argv[2], "w").write(page)
print(height)
PY
)
mkdir -p docs/screenshots
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1300,"$height" --screenshot=docs/screenshots/trace.png "file://$work/trace.html" \
  2>/dev/null
say "wrote docs/screenshots/trace.png"
