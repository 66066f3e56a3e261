#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of the parsers a request
# reaches first: the session cookie and its JWT, the price rule, the email
# rule, ids and the JSON body reader (fuzz/fuzz_targets/). The proptests in
# the Rust tests check the same properties on every run; this digs deeper.
#
#   scripts/fuzz.sh                 every target, 60 s each
#   scripts/fuzz.sh 300 price email those targets, 300 s each
#
# libFuzzer needs nightly compiler flags: a `nightly` toolchain when rustup has
# one, else the stable compiler with RUSTC_BOOTSTRAP=1. Installs cargo-fuzz
# (pinned) into ~/.cargo/bin when missing, which nothing else does. Builds in
# fuzz/target (never the project's target/); finds go to fuzz/artifacts/<target>/
# and the run fails, naming them. The corpus (fuzz/corpus/<target>/) is kept
# between runs, so each run starts where the last one stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(session_cookie price email object_id json_body)

seconds=60
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
[ $# -gt 0 ] && TARGETS=("$@")

need_rust
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo install, once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked \
    || die "cannot install cargo-fuzz; install it with: cargo install cargo-fuzz --version $CARGO_FUZZ_VERSION --locked"
fi

toolchain=()
replay="cargo +nightly fuzz run --fuzz-dir fuzz"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  replay="RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz"
  say "no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
fi
export CARGO_INCREMENTAL=0

# Fuzz the dependency versions the services ship with: fuzz/ is its own
# workspace, so its (ignored) lockfile starts as a copy of the project's and
# cargo only adds libFuzzer's crates and drops what the targets do not use.
cp Cargo.lock fuzz/Cargo.lock

for target in "${TARGETS[@]}"; do
  [ -f "fuzz/fuzz_targets/$target.rs" ] || die "no fuzz target $target (have: $(ls fuzz/fuzz_targets | sed 's/\.rs$//' | tr '\n' ' '))"
  say "fuzzing $target for ${seconds}s"
  mkdir -p "fuzz/corpus/$target"
  cargo "${toolchain[@]}" fuzz run --fuzz-dir fuzz "$target" -- -max_total_time="$seconds" -max_len=4096 \
    || die "$target found a failure: the input is in fuzz/artifacts/$target/ (replay one: $replay $target fuzz/artifacts/$target/<file>)"
done
say "no failures in ${seconds}s per target"
