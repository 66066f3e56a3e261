#!/usr/bin/env bash
# Runs every check and test; exits non-zero on any failure. `.ci/run` calls it.
#
#   scripts/test.sh            everything
#   scripts/test.sh -E FILTER  extra arguments go to `cargo nextest run` (then
#                              the browser and container tests are left out)
#
# One compile serves everything: the workspace is built once, as static musl
# binaries, with clippy riding along as the workspace's rustc wrapper (so lint
# errors fail the build). The Rust tests, the browser tests and the container
# smoke test all run those same binaries; nothing is compiled twice.
#
# Tests start their own nats-server and redis-server on free loopback ports
# with temporary folders, so servers already running here are left alone.
# The MongoDB cases (tests named mongo::…: the store contract suite, the flow
# tests, the reliability suite's kill case) run on a MongoDB-wire server:
# MONGO_URL when set, else SecantusDB started here from the project's venv on
# a free port with in-memory storage, and stopped at the end. Where it cannot
# be installed the run says so loudly and those cases are reported as skipped.
# Each step's time is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh
source scripts/lib/mongo.sh

need_stack
need_nextest
need_musl

steps=()
step_started=0
# begin NAME: closes the previous step's clock and starts the next.
begin() {
  end_step
  say "$1"
  steps+=("$1")
  step_started=$(date +%s)
}
end_step() {
  if [ "${#steps[@]}" -gt 0 ] && [ "$step_started" -gt 0 ]; then
    local last=$((${#steps[@]} - 1))
    steps[last]="$(printf '%5ds  %s' $(($(date +%s) - step_started)) "${steps[last]}")"
    step_started=0
  fi
}
report() {
  local status=$?
  end_step
  stop_secantus
  if [ "${#steps[@]}" -gt 0 ]; then
    say "step times"
    printf '  %s\n' "${steps[@]}" >&2
  fi
  exit "$status"
}
trap report EXIT

begin "cargo fmt --check"
cargo fmt --all --check

# start_mongo_wire: MONGO_URL from the environment, or SecantusDB started here.
start_mongo_wire() {
  if [ -n "${MONGO_URL:-}" ]; then
    say "MongoDB cases on MONGO_URL from the environment"
    return 0
  fi
  start_secantus :memory:
}

begin "starting the MongoDB-wire server (SecantusDB)"
filter=()
if start_mongo_wire; then
  # The default filter (.config/nextest.toml) leaves mongo:: cases out.
  filter=(--ignore-default-filter)
else
  printf '\033[31m%s\033[0m\n' "!!! no MongoDB-wire server: every mongo:: case is NOT RUN (reported as skipped)" >&2
fi

if [ $# -eq 0 ]; then
  begin "deployment checks (kustomize, kubernetes-validate, checkov, yamllint, hadolint, cross-check)"
  scripts/check-deploy.sh
fi

begin "OpenAPI document (openapi-spec-validator)"
# The committed copy the client serves at /api/openapi.json; crates/api-docs'
# test fails while it differs from what the annotations give.
need_venv
"$VENV/bin/openapi-spec-validator" client/api/openapi.json

begin "building and linting the workspace (clippy -D warnings, static musl binaries)"
build_workspace --all-targets

begin "building the client's site (the browser tests load it)"
scripts/build-client.sh --site-only

begin "Rust tests"
shared_cargo nextest run --workspace --locked --target "$MUSL_TARGET" "${filter[@]}" "$@"

if [ $# -eq 0 ]; then
  begin "browser tests (Chromium against the whole stack)"
  scripts/browser-tests.sh --no-build --bin-dir "$BIN_DIR"
  begin "schemathesis over the OpenAPI description (the whole stack)"
  scripts/api-fuzz.sh --no-build --bin-dir "$BIN_DIR"
  begin "container smoke test (podman + runc)"
  scripts/container-smoke.sh --bin-dir "$BIN_DIR"
else
  say "a filtered run: the browser and container tests are left out"
fi

end_step
say "all checks passed"
