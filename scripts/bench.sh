#!/usr/bin/env bash
# Measures the stack in release mode on private ports and writes docs/benchmarks.md:
# throughput and latency (gateway and direct, next to an axum hello-world ceiling),
# resident memory, event propagation, expiration accuracy and contention; then
# the write load and its outbox drain on each store adapter, side by side
# (SQLite, and MongoDB's wire protocol: MONGO_URL, or SecantusDB started here).
# Not part of scripts/test.sh. Takes about four minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/mongo.sh

need_stack
need_command wrk wrk

say "building release binaries"
cargo build --release --locked --workspace --bins
if [ -z "${MONGO_URL:-}" ]; then
  start_secantus :memory: || say "SecantusDB did not start: only SQLite is measured"
  trap stop_secantus EXIT
fi
say "measuring"
target/release/bench "${1:-docs/benchmarks.md}"
