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
