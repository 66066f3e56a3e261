# The client image (contract §9, §11):
#
#   docker build -f docker/client.Dockerfile .
#
# The server binary (feature ssr, static musl) plus the site it serves: the
# hydration bundle (wasm + JS + CSS) and the public files. Both are built by
# scripts/build-client.sh, the same recipe as for local runs; this file only
# provides its tools and caches its dependencies. Runs on distroless/static:
# user 65532, no shell, listening on PORT (3000), site in SITE_DIR=/site.
# Multi-arch like docker/Dockerfile: the server is built for TARGETARCH (amd64
# or arm64); the wasm bundle is the same everywhere. REVISION: the git commit.

ARG RUST_VERSION=1.95
ARG NODE_VERSION=22

# -- toolchain: Rust for the platform's musl target and wasm32, musl-gcc for
#    the C parts. /rust-target names the musl target for the later stages.
FROM rust:${RUST_VERSION}-slim-bookworm AS chef
ARG TARGETARCH
# Debian's package versions move with point releases; the base image's tag
# pins the distribution, so apt packages are not pinned (see .hadolint.yaml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
RUN case "${TARGETARCH:-amd64}" in \
      amd64) echo x86_64-unknown-linux-musl ;; \
      arm64) echo aarch64-unknown-linux-musl ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac > /rust-target \
 && rustup target add "$(cat /rust-target)" wasm32-unknown-unknown \
 && cargo install cargo-chef --version 0.1.78 --locked
ENV CC_x86_64_unknown_linux_musl=musl-gcc \
    CC_aarch64_unknown_linux_musl=musl-gcc \
    CARGO_TERM_COLOR=never
WORKDIR /app

# -- the dependency recipe, and the wasm-bindgen version the lockfile wants
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json \
 && awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' \
      Cargo.lock > wasm-bindgen.version \
 && test -s wasm-bindgen.version

# -- wasm-bindgen-cli at exactly that version (without --locked, as
#    scripts/build-client.sh does). Rebuilt only when the version changes.
FROM chef AS wasm-bindgen
COPY --from=planner /app/wasm-bindgen.version wasm-bindgen.version
RUN cargo install wasm-bindgen-cli --version "$(cat wasm-bindgen.version)" --root /opt/wasm-bindgen

# -- wasm-opt: the npm package binaryen, at the version build-client.sh names,
#    installed where build-client.sh looks for it ($XDG_CACHE_HOME/ticketing/)
FROM node:${NODE_VERSION}-bookworm-slim AS binaryen
COPY scripts/build-client.sh /tmp/build-client.sh
RUN version="$(sed -n 's/^BINARYEN_VERSION=//p' /tmp/build-client.sh)" \
 && test -n "${version}" \
 && npm install --prefix "/opt/cache/ticketing/binaryen-${version}" \
      --no-audit --no-fund --no-save --loglevel=error "binaryen@${version}"

# -- build: dependencies for both targets first, then the site and the server
FROM chef AS builder
ENV XDG_CACHE_HOME=/opt/cache
COPY --from=binaryen /usr/local/bin/node /usr/local/bin/node
COPY --from=binaryen /opt/cache/ticketing /opt/cache/ticketing
COPY --from=wasm-bindgen /opt/wasm-bindgen/bin/wasm-bindgen /usr/local/bin/wasm-bindgen
# wasm-opt on PATH as well. Both tools must run here, or the build stops now.
RUN ln -s /opt/cache/ticketing/binaryen-*/node_modules/.bin/wasm-opt /usr/local/bin/wasm-opt \
 && wasm-opt --version \
 && wasm-bindgen --version
COPY --from=planner /app/recipe.json recipe.json
# The same profiles, targets and features as build-client.sh uses below.
RUN cargo chef cook --release --locked --target "$(cat /rust-target)" \
      -p client --bin client --recipe-path recipe.json \
 && cargo chef cook --profile wasm-release --locked --target wasm32-unknown-unknown \
      -p client --no-default-features --features hydrate --recipe-path recipe.json
COPY . .
# The wasm build names its own --target; CARGO_BUILD_TARGET makes the server
# build a static musl binary.
RUN CARGO_BUILD_TARGET="$(cat /rust-target)" scripts/build-client.sh --release --out /site \
 && install -D "target/$(cat /rust-target)/release/client" /out/client

# -- runtime: the server and its site
FROM gcr.io/distroless/static-debian12:nonroot
ARG REVISION=unknown
LABEL org.opencontainers.image.title="ticketing-client" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/ticketing-rs/ticketing" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=builder /out/client /usr/local/bin/client
COPY --from=builder /site /site
ENV SITE_DIR=/site
USER 65532:65532
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/client"]
