#!/usr/bin/env bash
# Renders one trace that `scripts/dev.sh --traces` collected as a picture for
# the README, with Debian's Chromium:
#
#   scripts/trace-screenshot.sh [TRACE_ID]    -> docs/screenshots/trace.png
#
# Without a trace id: the most recent trace of more than one span (buy a
# ticket first). Reads ${DATA_DIR:-data}/traces.jsonl with trace-tree.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh

[ -x "$BIN_DIR/trace-tree" ] || die "$BIN_DIR/trace-tree is missing: run scripts/dev.sh --traces first"
need_command chromium chromium
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BIN_DIR/trace-tree" --file "${DATA_DIR:-data}/traces.jsonl" "$@" >"$work/tree.txt"
lines=$(wc -l <"$work/tree.txt")
python3 - "$work/tree.txt" "$work/trace.html" <<'PY'
import html, sys
text = open(sys.argv[1]).read()
page = f"""<!doctype html><meta charset="utf-8"><style>
body {{ margin: 0; background: #fff; }}
pre {{ font: 14px/1.5 "DejaVu Sans Mono", monospace; margin: 16px; color: #222; }}
</style><pre>{html.escape(text)}</pre>"""
open(sys.argv[2], "w").write(page)
PY
mkdir -p docs/screenshots
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1000,$((lines * 21 + 40)) --screenshot=docs/screenshots/trace.png "file://$work/trace.html" \
  2>/dev/null
say "wrote docs/screenshots/trace.png ($lines lines)"
