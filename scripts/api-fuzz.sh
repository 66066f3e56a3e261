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
source scripts/lib/stack.sh
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

start_private_stack "$bin_dir"

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
  tail -80 "$stack_log" >&2
fi
exit "$status"
