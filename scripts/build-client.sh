#!/usr/bin/env bash
# Builds the web client (client/): the browser bundle into a site folder, and
# the server binary that renders the pages and serves that folder.
#
#   scripts/build-client.sh                  debug server, quick wasm, site in target/site
#   scripts/build-client.sh --release        release server, size-optimised wasm
#   scripts/build-client.sh --out DIR        the site goes to DIR instead
#   scripts/build-client.sh --site-only      the site only, not the server binary
#
# The site folder holds pkg/client.js, pkg/client_bg.wasm, pkg/client.css and
# the files of client/public/; the client finds it through SITE_DIR.
#
# Nothing is downloaded at run time but packages from the registries, once:
# the wasm32 target (rustup), wasm-bindgen-cli at exactly the lockfile's
# wasm-bindgen version (cargo install), and wasm-opt from the npm package
# `binaryen` (into a cache folder). Debian's wasm-opt is never used: its
# version 108 produces bundles that fail to hydrate without any error.
# No cargo-leptos, no sass. Running it again with nothing changed is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh

# The binaryen release whose wasm-opt we run (npm package `binaryen`).
BINARYEN_VERSION=132.0.0

release=false
server=true
out=target/site
while [ $# -gt 0 ]; do
  case "$1" in
    --release) release=true ;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out="$2"; shift ;;
    --out=*) out="${1#--out=}" ;;
    --site-only) server=false ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
  shift
done

need_rust
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$cargo_bin:"*) ;; *) export PATH="$cargo_bin:$PATH" ;; esac

# -- tools ---------------------------------------------------------------------

if ! rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null | xargs -r test -d; then
  command -v rustup >/dev/null 2>&1 || die "the wasm32-unknown-unknown target is missing; install rustup, then: rustup target add wasm32-unknown-unknown"
  say "adding the wasm32-unknown-unknown target (rustup)"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must match the library in Cargo.lock exactly.
bindgen_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || die "no wasm-bindgen in Cargo.lock; is client/ a workspace member?"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (cargo install, a few minutes, once)"
  # Without --locked on purpose: the CLI's own lockfile pins a crate version
  # that crates.io no longer serves.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# wasm-opt: $WASM_OPT, else a wasm-opt on PATH that is binaryen's
# $BINARYEN_VERSION (as in the client image), else the npm package in a cache.
binaryen_major=${BINARYEN_VERSION%%.*}
if [ -n "${WASM_OPT:-}" ]; then
  wasm_opt="$WASM_OPT"
elif [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" = "$binaryen_major" ]; then
  wasm_opt=$(command -v wasm-opt)
else
  binaryen_dir="${XDG_CACHE_HOME:-$HOME/.cache}/ticketing/binaryen-$BINARYEN_VERSION"
  wasm_opt="$binaryen_dir/node_modules/.bin/wasm-opt"
  if [ ! -x "$wasm_opt" ]; then
    need_command node nodejs
    need_command npm npm
    say "installing wasm-opt (npm package binaryen@$BINARYEN_VERSION) into $binaryen_dir"
    mkdir -p "$binaryen_dir"
    npm install --prefix "$binaryen_dir" --no-audit --no-fund --no-save --loglevel=error "binaryen@$BINARYEN_VERSION"
  fi
fi
"$wasm_opt" --version >/dev/null || die "$wasm_opt does not run"

# -- the browser bundle ----------------------------------------------------------

if $release; then
  wasm_profile=wasm-release; opt_level=-Oz; server_profile=(--release)
else
  wasm_profile=wasm-dev; opt_level=-O1; server_profile=()
fi

say "building the browser bundle ($wasm_profile)"
# `cargo rustc` makes the cdylib only here, so native builds of the crate
# never link one.
cargo rustc -p client --lib --crate-type cdylib --locked \
  --profile "$wasm_profile" --target wasm32-unknown-unknown \
  --no-default-features --features hydrate
wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$wasm_profile/client.wasm"

pkg="$out/pkg"
mkdir -p "$pkg"
stamp="$pkg/.build-stamp"
fingerprint="$(sha256sum "$wasm" | cut -d' ' -f1) bindgen=$bindgen_version binaryen=$BINARYEN_VERSION opt=$opt_level"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ] && [ -f "$pkg/client.js" ] && [ -f "$pkg/client_bg.wasm" ]; then
  say "the bundle in $pkg is up to date"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  say "wasm-bindgen --target web"
  wasm-bindgen --target web --no-typescript --out-name client --out-dir "$work" "$wasm"
  say "wasm-opt $opt_level"
  # The features rustc's wasm32 target emits; wasm-opt must keep to them.
  "$wasm_opt" "$opt_level" \
    --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-multivalue \
    -o "$work/client_bg.opt.wasm" "$work/client_bg.wasm"
  mv "$work/client_bg.opt.wasm" "$pkg/client_bg.wasm"
  mv "$work/client.js" "$pkg/client.js"
  printf '%s\n' "$fingerprint" > "$stamp"
fi

# Plain CSS and static files, copied as they are: the stylesheets one after
# another in the order of their numbers (the cascade's order), as one file.
cat client/style/[0-9]-*.css > "$pkg/client.css"
cp -R client/public/. "$out/"

size=$(wc -c < "$pkg/client_bg.wasm")
say "site ready in $out (client_bg.wasm: $((size / 1024)) KiB, gzip: $(( $(gzip -9c "$pkg/client_bg.wasm" | wc -c) / 1024 )) KiB)"

# -- the server ------------------------------------------------------------------

if $server; then
  say "building the client server ${server_profile[*]:-(debug)}"
  cargo build -p client --bin client --locked "${server_profile[@]}"
fi
