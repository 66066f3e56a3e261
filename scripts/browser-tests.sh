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
source scripts/lib/stack.sh

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

start_private_stack "$bin_dir" EXPIRATION_WINDOW_SECONDS="$window" NATS_ACK_WAIT_SECONDS=2

say "browser tests against http://localhost:${ports[0]}"
status=0
# The paging test last, on its own (node orders the files it is given): its
# 51 tickets push any ticket listed after them off the landing page's first
# page, where the other tests look for theirs.
(
  cd tests/browser
  export BASE_URL="http://localhost:${ports[0]}" EXPIRATION_WINDOW_SECONDS="$window" SCREENSHOT_DIR="$screenshots" FRESH_STACK=1
  mapfile -t files < <(ls -- *.test.mjs | grep -vx paging.test.mjs)
  # `&&`: set -e does not apply inside a subshell tested with `||`.
  node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" &&
    node --test --test-reporter=spec paging.test.mjs
) || status=$?
if [ "$status" -ne 0 ]; then
  say "the stack's log (last 80 lines):"
  tail -80 "$stack_log" >&2
fi
exit "$status"
