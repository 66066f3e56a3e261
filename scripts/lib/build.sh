# The one workspace build that scripts/test.sh, scripts/dev.sh,
# scripts/browser-tests.sh and scripts/container-smoke.sh share, so that none of
# them compiles the tree a second time:
#
# - static musl binaries (what the container images hold), so the container
#   smoke test runs the very binaries the tests ran;
# - clippy rides along as the workspace's rustc wrapper (what `cargo clippy`
#   does, but with code generation), so lint errors fail this build and no
#   separate `cargo clippy` pass compiles everything again.
#
# Source it after scripts/lib/tools.sh.

MUSL_TARGET=x86_64-unknown-linux-musl

# A CI clone is built once and thrown away: incremental data would only cost
# time and disk (it was 40 % of the target folder).
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
BIN_DIR="${CARGO_TARGET_DIR:-target}/$MUSL_TARGET/debug"

# need_musl: the musl target and a C compiler for the crates that build C.
need_musl() {
  need_command musl-gcc musl-tools
  if ! rustup target list --installed 2>/dev/null | grep -qx "$MUSL_TARGET"; then
    command -v rustup >/dev/null 2>&1 || die "the $MUSL_TARGET target is missing; install rustup, then: rustup target add $MUSL_TARGET"
    say "adding the $MUSL_TARGET target (rustup)"
    rustup target add "$MUSL_TARGET" || die "cannot install the $MUSL_TARGET target (rustup needs static.rust-lang.org)"
  fi
  export CC_x86_64_unknown_linux_musl=musl-gcc
}

# need_nextest: the test runner (never plain `cargo test`, which would count
# the MongoDB cases it cannot run as passes).
need_nextest() {
  cargo nextest --version >/dev/null 2>&1 && return
  say "installing cargo-nextest (cargo install, a few minutes, once)"
  cargo install cargo-nextest --locked || die "cannot install cargo-nextest; install it with: cargo install cargo-nextest --locked"
}

# shared_cargo ARGS: cargo with the shared build's settings (the clippy
# wrapper and its arguments are part of each crate's fingerprint, so every
# cargo command that should reuse the build must run with them).
shared_cargo() {
  local driver
  driver=$(command -v clippy-driver) || die "clippy is missing; install it with: rustup component add clippy"
  RUSTC_WORKSPACE_WRAPPER="$driver" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" cargo "$@"
}

# build_workspace [CARGO ARGS]: the shared build, linted; binaries in $BIN_DIR.
build_workspace() {
  shared_cargo build --workspace --locked --target "$MUSL_TARGET" "$@"
}
