#!/usr/bin/env bash
# Creates the Secrets the manifests reference, in the current kube context:
#
#   infra/create-secrets.sh [-n NAMESPACE]
#
# - jwt-secret (JWT_KEY), mongo-credentials, nats-credentials and
#   redis-credentials get random values (a letter and hex, see random());
# - stripe-secret takes $STRIPE_KEY and, if set, $STRIPE_PUBLISHABLE_KEY from
#   the environment (production needs both; a local cluster with the
#   fake-stripe profile takes STRIPE_KEY=sk_test_fake).
# A Secret that already exists is left alone: its passwords are in the stores'
# volumes since their first start (docs/deploy.md, "Credentials", to rotate).
set -euo pipefail

ns=()
case "${1:-}" in
  -n | --namespace) ns=(-n "$2") ;;
  "") ;;
  *) echo "usage: $0 [-n NAMESPACE]" >&2; exit 2 ;;
esac

# A letter, then hex: no escaping in URLs, and nats-server, which reads its
# password $VARIABLES as configuration values, takes one starting with a digit
# for a number and refuses to start.
random() { printf 'k%s' "$(openssl rand -hex 24)"; }

# create NAME KEY=VALUE...: creates Secret NAME unless it exists.
create() {
  local name=$1 literals=() pair
  shift
  if kubectl "${ns[@]}" get secret "$name" >/dev/null 2>&1; then
    echo "secret/$name exists, left as it is"
    return
  fi
  for pair in "$@"; do literals+=(--from-literal="$pair"); done
  kubectl "${ns[@]}" create secret generic "$name" "${literals[@]}"
}

create jwt-secret "JWT_KEY=$(random)"
# keyfile: the replica-set members' shared key (production), base64, <= 1024 chars.
create mongo-credentials "root=$(random)" "backup=$(random)" "auth=$(random)" "tickets=$(random)" \
  "orders=$(random)" "payments=$(random)" "keyfile=$(openssl rand -base64 756 | tr -d '\n')"
create nats-credentials "tickets=$(random)" "orders=$(random)" "payments=$(random)" \
  "expiration=$(random)" "admin=$(random)"
create redis-credentials "password=$(random)"
if [ -n "${STRIPE_KEY:-}" ]; then
  create stripe-secret "STRIPE_KEY=$STRIPE_KEY" ${STRIPE_PUBLISHABLE_KEY:+"STRIPE_PUBLISHABLE_KEY=$STRIPE_PUBLISHABLE_KEY"}
elif ! kubectl "${ns[@]}" get secret stripe-secret >/dev/null 2>&1; then
  echo "stripe-secret is missing: run again with STRIPE_KEY=sk_test_... (and STRIPE_PUBLISHABLE_KEY=pk_...)" >&2
  exit 1
fi
