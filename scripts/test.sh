#!/usr/bin/env bash
# Runs every check and test; exits non-zero on any failure. `.ci/run` calls it.
#
#   scripts/test.sh            everything
#   scripts/test.sh -p auth    extra arguments go to `cargo nextest run`
#
# Tests start their own nats-server and redis-server on free loopback ports
# with temporary folders, so servers already running here are left alone.
# The MongoDB run of the store contract suite happens when MONGO_URL is set.
# The browser tests (scripts/browser-tests.sh) run last, in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh

need_rust
need_command nats-server nats-server
need_command redis-server redis-server

say "cargo fmt --check"
cargo fmt --all --check

say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

filter=()
if [ -z "${MONGO_URL:-}" ]; then
  say "MONGO_URL is not set: the MongoDB run of the store contract suite is left out"
  filter=(-E 'not (binary(store_contract) & test(/^mongo::/))')
fi

if [ $# -eq 0 ]; then
  say "deployment checks (kustomize, kubernetes-validate, checkov, yamllint, hadolint, cross-check)"
  scripts/check-deploy.sh
fi

say "building the binaries (the stack tests run them)"
cargo build --workspace --all-targets --locked

say "building the client's site (the browser tests load it)"
scripts/build-client.sh --site-only

say "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked "${filter[@]}" "$@"
else
  say "cargo-nextest not found; using cargo test (install it with: cargo install cargo-nextest --locked)"
  cargo test --workspace --locked "$@"
fi

if [ $# -eq 0 ]; then
  say "browser tests (Chromium against the whole stack)"
  scripts/browser-tests.sh --no-build
  say "container smoke test (podman + runc)"
  scripts/container-smoke.sh
else
  say "a filtered run: the browser tests are left out (scripts/browser-tests.sh runs them)"
fi

say "all checks passed"
