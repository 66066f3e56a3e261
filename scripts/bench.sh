#!/usr/bin/env bash
# Measures the stack in release mode on private ports and writes docs/benchmarks.md:
# throughput and latency (gateway and direct, next to an axum hello-world ceiling),
# resident memory, event propagation, expiration accuracy and contention.
# Not part of scripts/test.sh. Takes about three minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh

need_rust
need_command nats-server nats-server
need_command redis-server redis-server
need_command wrk wrk

say "building release binaries"
cargo build --release --locked --workspace --bins
say "measuring"
exec target/release/bench "${1:-docs/benchmarks.md}"
