#!/usr/bin/env bash
# Measures the stack in release mode on private ports and writes docs/benchmarks.md,
# with the static musl binaries the container images hold (mimalloc included):
# throughput and latency (gateway and direct, next to an axum hello-world ceiling),
# resident memory, event propagation, live updates, expiration accuracy and
# contention; at scale (a paused listener's backlog, 1000 writes a second for
# 30 s, a catalogue of 265k tickets listed whole and in pages of 50); a burst
# of sign-ins; then the write load and its outbox drain on each store adapter,
# side by side (SQLite, and MongoDB's wire protocol: MONGO_URL, or SecantusDB
# started here). Not part of scripts/test.sh. Takes about eight minutes after
# the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/mongo.sh
source scripts/lib/build.sh

need_stack
need_musl
need_command wrk wrk

say "building release binaries ($MUSL_TARGET, as in the images)"
cargo build --release --locked --workspace --bins --target "$MUSL_TARGET"
if [ -z "${MONGO_URL:-}" ]; then
  start_secantus :memory: || say "SecantusDB did not start: only SQLite is measured"
  trap stop_secantus EXIT
fi
say "measuring"
target/$MUSL_TARGET/release/bench "${1:-docs/benchmarks.md}"
