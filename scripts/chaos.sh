#!/usr/bin/env bash
# The reliability suite with more rounds than CI can afford: NATS and Redis
# restarted mid-flow, services killed between a write and its publish, hostile
# input on every route, 200 concurrent buyers. Loopback only; every step is
# bounded in time and cleans up after itself. `scripts/test.sh` runs the same
# tests with CHAOS_ROUNDS=3.
#
#   scripts/chaos.sh            10 rounds
#   CHAOS_ROUNDS=25 scripts/chaos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh

need_rust
need_command nats-server nats-server
need_command redis-server redis-server

cargo build --workspace --bins --locked
CHAOS_ROUNDS="${CHAOS_ROUNDS:-10}" cargo nextest run -p devstack --test reliability --locked --no-fail-fast \
  --test-threads 1
