#!/usr/bin/env bash
# Container smoke test: the service images' runtime stage, built and run here.
#
# No registry is reachable from this machine, so the Rust builder and the
# distroless base of docker/Dockerfile cannot be pulled. Instead this script
#   1. takes each service as a static musl binary built on the host (what the
#      Dockerfile's builder stage produces): the shared workspace build of
#      scripts/lib/build.sh, the one the Rust tests ran,
#   2. makes a local stand-in for gcr.io/distroless/static-debian12:nonroot
#      (FROM scratch + CA certificates + the nonroot user 65532),
#   3. builds each image from the Dockerfile's own runtime stage (its text is
#      taken from docker/Dockerfile, with only the two FROM/COPY sources
#      swapped for the local ones), with buildah,
#   4. runs each with podman (runc, a read-only root, lowered ulimits, since
#      crun fails on this machine's cgroups), checks that it answers /healthz,
#      and that it stops on SIGTERM with exit status 0 within the 30 s grace
#      period Kubernetes gives it.
# The client image is built the same way from docker/client.Dockerfile's
# runtime stage (with the site scripts/build-client.sh made, or a stand-in).
# First, a self-test proves the exit-status check fails a service that exits 1
# on SIGTERM (a static C stand-in); last, one service is cross-built for
# linux/arm64 and checked with `file` (skipped, saying why, without a cross
# compiler). Then infra/tests/credentials-smoke.sh runs the same binaries
# against the manifests' NATS users and a Redis password.
# A step that cannot run here says so, and why, and the script fails.
#
#   scripts/container-smoke.sh                  the six images (builds the binaries if needed)
#   scripts/container-smoke.sh auth client      only some
#   scripts/container-smoke.sh --bin-dir DIR    the static binaries are already in DIR
#   --no-self-test, --no-arm64, --no-credentials   leave those steps out
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh

services=()
bin_dir=""
run_self_test=true
run_arm64=true
run_credentials=true
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a folder"; bin_dir="$2"; shift ;;
    --no-self-test) run_self_test=false ;;
    --no-arm64) run_arm64=false ;;
    --no-credentials) run_credentials=false ;;
    -*) die "unknown option $1" ;;
    *) services+=("$1") ;;
  esac
  shift
done
[ ${#services[@]} -gt 0 ] || services=(auth tickets orders payments expiration client)
grace=30

need_rust
need_command podman podman
need_command buildah buildah
need_command runc runc
need_command musl-gcc musl-tools

if [ -z "$bin_dir" ]; then
  need_musl
  say "building static binaries (the shared workspace build)"
  build_workspace --bins
  bin_dir="$BIN_DIR"
fi

work=$(mktemp -d)
storage=(--root "$work/storage" --runroot "$work/run" --storage-driver vfs)
containers=()
cleanup() {
  for container in "${containers[@]}"; do podman "${storage[@]}" rm -f "$container" >/dev/null 2>&1 || true; done
  # vfs layers belong to root inside the user namespace; podman removes them.
  podman "${storage[@]}" system reset -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

say "making the local base image (stand-in for distroless/static:nonroot)"
mkdir -p "$work/base/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$work/base/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$work/base/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$work/base/etc/group"
cat >"$work/base/Containerfile" <<'EOF'
FROM scratch
COPY etc /etc
EOF
buildah "${storage[@]}" bud --quiet -t localhost/distroless-static:nonroot "$work/base" >/dev/null

# The runtime stage, verbatim from docker/Dockerfile (from its last FROM on).
runtime=$(awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}' docker/Dockerfile)
grep -q '^FROM gcr.io/distroless/static-debian12:nonroot' <<<"$runtime" || die "docker/Dockerfile's runtime stage changed; update this script"
grep -q '^COPY --from=builder /out/service /usr/local/bin/service' <<<"$runtime" || die "docker/Dockerfile's runtime stage changed; update this script"
runtime=${runtime/FROM gcr.io\/distroless\/static-debian12:nonroot/FROM localhost\/distroless-static:nonroot}
runtime=${runtime/COPY --from=builder \/out\/service/COPY out\/service}

# The client's runtime stage, from docker/client.Dockerfile, the same way.
client_runtime=$(awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}' docker/client.Dockerfile)
for line in '^FROM gcr.io/distroless/static-debian12:nonroot' '^COPY --from=builder /out/client /usr/local/bin/client' \
  '^COPY --from=builder /site /site'; do
  grep -q "$line" <<<"$client_runtime" || die "docker/client.Dockerfile's runtime stage changed; update this script"
done
client_runtime=${client_runtime/FROM gcr.io\/distroless\/static-debian12:nonroot/FROM localhost\/distroless-static:nonroot}
client_runtime=${client_runtime/COPY --from=builder \/out\/client/COPY out\/client}
client_runtime=${client_runtime/COPY --from=builder \/site/COPY site}

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# smoke NAME BINARY: builds NAME's image around BINARY and runs it; prints
# "ok ..." or "FAIL ..." and returns 1 on failure.
smoke() {
  local service=$1 binary=$2 context image config want entry http_port container healthy started stopped status took
  # A static(-pie) binary has no program interpreter to load it.
  if readelf -lW "$binary" | grep -q 'program interpreter'; then
    say "FAIL $service: the binary is dynamically linked"; return 1
  fi
  context="$work/ctx-$service"
  mkdir -p "$context/out"
  if [ "$service" = client ]; then
    cp "$binary" "$context/out/client"
    # The site scripts/build-client.sh made, else a stand-in: /healthz needs none.
    if [ -d target/site/pkg ]; then cp -r target/site "$context/site"; else mkdir -p "$context/site/pkg"; fi
    printf '%s' "$client_runtime" >"$context/Containerfile"
    entry='["/usr/local/bin/client"]'
  else
    cp "$binary" "$context/out/service"
    printf '%s' "$runtime" >"$context/Containerfile"
    entry='["/usr/local/bin/service"]'
  fi
  image="localhost/ticketing/$service:smoke"
  buildah "${storage[@]}" bud --quiet --build-arg "SERVICE=$service" --build-arg REVISION=smoke -t "$image" "$context" >/dev/null
  config=$(podman "${storage[@]}" image inspect "$image" \
    --format '{{.Config.User}} {{json .Config.ExposedPorts}} {{json .Config.Entrypoint}} {{index .Config.Labels "org.opencontainers.image.revision"}}')
  want="65532:65532 {\"3000/tcp\":{}} $entry smoke"
  [ "$config" = "$want" ] || { say "FAIL $service: image config is $config, not $want"; return 1; }
  if [ "$service" = client ] && ! podman "${storage[@]}" image inspect "$image" --format '{{json .Config.Env}}' | grep -q 'SITE_DIR=/site'; then
    say "FAIL client: the image does not set SITE_DIR=/site"; return 1
  fi

  http_port=$(port)
  # Dependencies are deliberately absent: /healthz must answer regardless.
  container=$(podman "${storage[@]}" run -d --runtime runc --network host --read-only \
    --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
    --tmpfs /data:rw,mode=0777 \
    -e PORT="$http_port" -e JWT_KEY=smoke-test-key -e STRIPE_KEY=sk_test_smoke \
    -e DATABASE_URL="sqlite:/data/$service.db" \
    -e NATS_URL="nats://127.0.0.1:$(port)" -e REDIS_URL="redis://127.0.0.1:$(port)" \
    "$image")
  containers+=("$container")
  healthy=false
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$http_port/healthz" 2>/dev/null | grep -q '"status":"ok"'; then healthy=true; break; fi
    sleep 0.1
  done
  if ! $healthy; then
    say "FAIL $service: no /healthz within 10 s"; podman "${storage[@]}" logs "$container" | tail -20; return 1
  fi
  started=$(date +%s.%N)
  podman "${storage[@]}" stop --time "$grace" "$container" >/dev/null
  stopped=$(date +%s.%N)
  status=$(podman "${storage[@]}" inspect "$container" --format '{{.State.ExitCode}}')
  took=$(python3 -c "print(f'{$stopped - $started:.2f}')")
  if [ "$status" != 0 ] || ! python3 -c "import sys; sys.exit(0 if $took < $grace else 1)"; then
    say "FAIL $service: SIGTERM gave exit status $status after ${took}s"; return 1
  fi
  say "ok   $service: static, user 65532, port 3000, /healthz answered, SIGTERM exit 0 in ${took}s"
}

# Self-test: a stand-in service that answers /healthz but exits with status 1
# on SIGTERM must fail the check above, and the same stand-in exiting 0 must
# pass it; otherwise the check proves nothing.
self_test() {
  local code
  cat >"$work/stub.c" <<'EOF'
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static void on_term(int sig) { (void)sig; _exit(EXIT_STATUS); }
int main(void) {
  const char *reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n"
                      "Connection: close\r\n\r\n{\"status\":\"ok\"}";
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(getenv("PORT")))};
  int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
  char buf[4096];
  signal(SIGTERM, on_term);
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) || listen(s, 16)) return 2;
  for (;;) {
    int c = accept(s, 0, 0);
    if (c < 0) continue;
    if (read(c, buf, sizeof buf) > 0 && write(c, reply, strlen(reply)) < 0) return 3;
    close(c);
  }
}
EOF
  for code in 0 1; do
    musl-gcc -static -O2 -DEXIT_STATUS="$code" -o "$work/stub-exit-$code" "$work/stub.c" || return 1
  done
  say "self-test: a stand-in exiting 1 on SIGTERM; the next line must be its FAIL"
  if smoke stub-exit-1 "$work/stub-exit-1"; then
    say "FAIL self-test: a service exiting 1 on SIGTERM passed the check"; return 1
  fi
  smoke stub-exit-0 "$work/stub-exit-0" || { say "FAIL self-test: the well-behaved stand-in failed"; return 1; }
  say "ok   self-test: exit status 1 on SIGTERM fails the check, 0 passes it"
}

# One service cross-built for linux/arm64 (the Dockerfiles' TARGETARCH=arm64
# path: aarch64 musl, C parts by a cross gcc), checked with `file`. Skipped,
# with the reason, where no cross compiler or target can be installed.
arm64_check() {
  local target=aarch64-unknown-linux-musl dir=target/cross-arm64 binary described
  if ! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 \
    && ! (apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross) >/dev/null 2>&1; then
    say "skip arm64: no aarch64 cross compiler (apt-get install gcc-aarch64-linux-gnu) could be installed"; return 0
  fi
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target" && ! rustup target add "$target" >/dev/null 2>&1; then
    say "skip arm64: the Rust target $target could not be installed (rustup target add $target)"; return 0
  fi
  say "cross-building expiration for linux/arm64 (its own target dir, $dir)"
  # Debian's cross gcc compiles SQLite against glibc's headers, which turn its
  # large-file calls into ftruncate64 and friends that musl does not have; on
  # a 64-bit target off_t is 64 bits anyway, so SQLite's LFS defines can go.
  LIBSQLITE3_FLAGS="-DSQLITE_DISABLE_LFS" \
    CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc \
    CARGO_TARGET_DIR="$dir" cargo build --locked --quiet --target "$target" --bin expiration || return 1
  binary="$dir/$target/debug/expiration"
  described=$(file -b "$binary")
  case "$described" in
    *"ELF 64-bit LSB"*"ARM aarch64"*"statically linked"*) say "ok   arm64: $binary: ${described%%, BuildID*}" ;;
    *) say "FAIL arm64: $binary is $described"; return 1 ;;
  esac
}

failures=0
if $run_self_test; then self_test || failures=$((failures + 1)); fi
for service in "${services[@]}"; do
  smoke "$service" "$bin_dir/$service" || failures=$((failures + 1))
done
if $run_arm64; then arm64_check || failures=$((failures + 1)); fi
# The same binaries against the manifests' NATS users and a Redis password.
if $run_credentials; then infra/tests/credentials-smoke.sh --bin-dir "$bin_dir" || failures=$((failures + 1)); fi

[ "$failures" -eq 0 ] || die "$failures container check(s) failed"
say "container smoke test passed"
