#!/usr/bin/env bash
# The reliability suite with more rounds than CI can afford: NATS and Redis
# restarted mid-flow, services killed between a write and its publish, hostile
# input on every route, 200 concurrent buyers. Loopback only; every step is
# bounded in time and cleans up after itself. `scripts/test.sh` runs the same
# tests with CHAOS_ROUNDS=3.
#
#   scripts/chaos.sh            10 rounds
#   CHAOS_ROUNDS=25 scripts/chaos.sh
#
# Then a long schemathesis run over the whole API (scripts/api-fuzz.sh with
# API_FUZZ_EXAMPLES, default 300 per operation here; 20 in scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh

need_stack

need_nextest
need_musl
# The shared build (scripts/lib/build.sh): after scripts/test.sh nothing compiles.
build_workspace --all-targets
CHAOS_ROUNDS="${CHAOS_ROUNDS:-10}" shared_cargo nextest run --workspace --locked --target "$MUSL_TARGET" \
  -E 'package(devstack) & binary(reliability)' --no-fail-fast --test-threads 1

# The long property-based run over every route of the OpenAPI description.
API_FUZZ_EXAMPLES="${API_FUZZ_EXAMPLES:-300}" scripts/api-fuzz.sh --no-build
