#!/usr/bin/env bash
# Runs the whole app at http://localhost:3000 (see README):
#
#   scripts/dev.sh             debug build
#   scripts/dev.sh --release   optimised build
#   scripts/dev.sh --mongo     every service on its own MongoDB database, as on
#                              the cluster: DATABASE_URL (a mongodb:// base) when
#                              set, else SecantusDB started here, keeping its
#                              data in data/mongo (combine with --release)
#   scripts/dev.sh --traces    also collect traces: every service exports its
#                              spans to a local receiver that appends them to
#                              data/traces.jsonl; print the latest purchase with
#                              target/x86_64-unknown-linux-musl/debug/trace-tree
#                              (--list for every trace id)
#
# It checks for the tools it needs and installs what is missing (apt as root,
# rustup, cargo), or prints the exact command to run. Then it builds the
# services (and the client), and runs the launcher, which finds or starts
# nats-server and redis-server, starts a fake Stripe unless STRIPE_KEY is set,
# runs every service and serves them on one origin. Ctrl-C stops it all.
#
# Settings pass through: PORT, EXPIRATION_WINDOW_SECONDS, EXPIRY_SWEEP_SECONDS,
# EXPIRY_GRACE_SECONDS, JWT_TTL_SECONDS,
# JWT_KEY (else the key kept in data/jwt-key), COOKIE_SECURE,
# PASSWORD_HASH_CONCURRENCY, AUTH_RATE_PER_MINUTE, TRUSTED_PROXY_HOPS, RUST_LOG,
# STRIPE_KEY, STRIPE_PUBLISHABLE_KEY, NATS_URL, NATS_STREAM_MAX_BYTES,
# REDIS_URL, DATA_DIR, DATABASE_URL (a mongodb:// base), OTEL_EXPORTER_OTLP_ENDPOINT
# (your own collector, instead of --traces), OTEL_BSP_SCHEDULE_DELAY, and the
# per-service *_PORT variables.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh
source scripts/lib/mongo.sh

profile=debug
cargo_profile=()
mongo=false
traces=false
for arg in "$@"; do
  case "$arg" in
    --release) profile=release; cargo_profile=(--release) ;;
    --mongo) mongo=true ;;
    --traces) traces=true ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) die "unknown option $arg (try --help)" ;;
  esac
done

need_stack

say "building the services ($profile)"
if [ "$profile" = debug ]; then
  # The same build as scripts/test.sh's, so after a test run nothing compiles.
  need_musl
  build_workspace --bins
  bin_dir="$BIN_DIR"
else
  cargo build --workspace --bins --locked --release
  bin_dir="${CARGO_TARGET_DIR:-target}/release"
fi

site_args=()
if [ -f client/Cargo.toml ] && [ -x scripts/build-client.sh ]; then
  # The workspace build above already made the client's server binary;
  # building it again with `-p client` would unify features differently
  # and recompile much of the dependency tree.
  say "building the client's browser bundle ($profile)"
  scripts/build-client.sh --site-only "${cargo_profile[@]}"
  export SITE_DIR="target/site"
fi

cleanup=()
if [ "$traces" = true ]; then
  # The receiver and trace-tree are test-support binaries, built with the rest.
  [ -x "$bin_dir/otlp-receiver" ] || die "$bin_dir/otlp-receiver is missing"
  traces_port="${TRACES_PORT:-4318}"
  mkdir -p "${DATA_DIR:-data}"
  PORT="$traces_port" TRACES_FILE="${DATA_DIR:-data}/traces.jsonl" "$bin_dir/otlp-receiver" &
  receiver_pid=$!
  cleanup+=("kill $receiver_pid")
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$traces_port"
  export OTEL_BSP_SCHEDULE_DELAY="${OTEL_BSP_SCHEDULE_DELAY:-1000}"
  say "traces go to ${DATA_DIR:-data}/traces.jsonl; print the latest with $bin_dir/trace-tree"
fi

if [ "$mongo" = true ] && [ -z "${DATABASE_URL:-}" ]; then
  mkdir -p "${DATA_DIR:-data}/mongo"
  start_secantus "${DATA_DIR:-data}/mongo" || die "SecantusDB did not start (see above)"
  export DATABASE_URL="$MONGO_URL"
  # Not exec: the server started here is stopped when the stack stops.
  cleanup+=(stop_secantus)
  say "starting ticketing (every service on its own database at $DATABASE_URL)"
else
  say "starting ticketing"
fi
if [ "${#cleanup[@]}" -eq 0 ]; then
  exec "$bin_dir/devstack" --bin-dir "$bin_dir" "${site_args[@]}"
fi
# Not exec: what was started here is stopped when the stack stops.
trap 'for step in "${cleanup[@]}"; do $step || true; done' EXIT
"$bin_dir/devstack" --bin-dir "$bin_dir" "${site_args[@]}"
