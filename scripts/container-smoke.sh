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
# A step that cannot run here says so, and why, and the script fails.
#
#   scripts/container-smoke.sh                  all five services (builds them if needed)
#   scripts/container-smoke.sh auth             only some
#   scripts/container-smoke.sh --bin-dir DIR    the static binaries are already in DIR
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/build.sh

services=()
bin_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a folder"; bin_dir="$2"; shift ;;
    -*) die "unknown option $1" ;;
    *) services+=("$1") ;;
  esac
  shift
done
[ ${#services[@]} -gt 0 ] || services=(auth tickets orders payments expiration)
grace=30

need_rust
need_command podman podman
need_command buildah buildah
need_command runc runc

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

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
failures=0
for service in "${services[@]}"; do
  binary="$bin_dir/$service"
  # A static(-pie) binary has no program interpreter to load it.
  if readelf -lW "$binary" | grep -q 'program interpreter'; then
    say "FAIL $service: the binary is dynamically linked"; failures=$((failures + 1)); continue
  fi
  context="$work/ctx-$service"
  mkdir -p "$context/out"
  cp "$binary" "$context/out/service"
  printf '%s' "$runtime" >"$context/Containerfile"
  image="localhost/ticketing/$service:smoke"
  buildah "${storage[@]}" bud --quiet --build-arg "SERVICE=$service" -t "$image" "$context" >/dev/null
  config=$(podman "${storage[@]}" image inspect "$image" --format '{{.Config.User}} {{json .Config.ExposedPorts}} {{json .Config.Entrypoint}}')
  [ "$config" = '65532:65532 {"3000/tcp":{}} ["/usr/local/bin/service"]' ] || {
    say "FAIL $service: image config is $config"; failures=$((failures + 1)); continue
  }

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
    say "FAIL $service: no /healthz within 10 s"; podman "${storage[@]}" logs "$container" | tail -20; failures=$((failures + 1)); continue
  fi
  started=$(date +%s.%N)
  podman "${storage[@]}" stop --time "$grace" "$container" >/dev/null
  stopped=$(date +%s.%N)
  status=$(podman "${storage[@]}" inspect "$container" --format '{{.State.ExitCode}}')
  took=$(python3 -c "print(f'{$stopped - $started:.2f}')")
  if [ "$status" != 0 ] || ! python3 -c "import sys; sys.exit(0 if $took < $grace else 1)"; then
    say "FAIL $service: SIGTERM gave exit status $status after ${took}s"; failures=$((failures + 1)); continue
  fi
  say "ok   $service: static, user 65532, port 3000, /healthz answered, SIGTERM exit 0 in ${took}s"
done

[ "$failures" -eq 0 ] || die "$failures container check(s) failed"
say "container smoke test passed"
