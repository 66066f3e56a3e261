"""Cross-checks the deployment files against each other and against the contract.

    python infra/tests/crosscheck.py RENDERED_DIR

RENDERED_DIR holds `kubectl kustomize` output: `base.yaml` for infra/k8s and
`<name>.yaml` for each infra/overlays/<name> (scripts/check-deploy.sh makes it).
Schemas, security scanners and linters check each file on its own; this checks
what only the whole can tell:

- skaffold.yaml builds exactly the images the manifests use, and the other way
  round, with the contract's names, Dockerfiles and build args;
- skaffold's glob (infra/k8s/*.yaml) and infra/k8s/Kustomization deploy the same
  objects, and the glob catches nothing that is not a Kubernetes object;
- every service gets the environment contract §2.4 says it reads, with §11's
  values, and nothing it does not read;
- probes, ports, resources and security settings are §11's;
- the stores are §11's table, and DATABASE_URL matches its store (replica set
  included); in an overlay, each replica set has an init Job of its size and a
  NATS cluster's routes are exactly its pods;
- the Ingress is §1's routing table, in order;
- Secrets are only referenced (jwt-secret, stripe-secret), never defined;
- selectors, named ports and ConfigMap references all resolve;
- and crosscheck_security.py's rules: network policies, credentials, NATS
  users against the README's event table, budgets and autoscalers.

Every check returns a list of problems; main() prints them and exits 1 if any.
infra/tests/test_crosscheck.py breaks each rule on purpose to prove it fires.
"""

from __future__ import annotations

import copy
import glob
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]

# -- the contract ------------------------------------------------------------

SERVICES = ["auth", "tickets", "orders", "payments", "expiration", "client"]
MONGO_USERS = ["auth", "tickets", "orders", "payments"]
NATS_USERS = ["tickets", "orders", "payments", "expiration"]

JWT_REF = {"secretKeyRef": {"name": "jwt-secret", "key": "JWT_KEY"}}
STRIPE_REF = {"secretKeyRef": {"name": "stripe-secret", "key": "STRIPE_KEY"}}
# Every Secret the manifests may reference, and its keys (created out of band).
SECRETS = {
    "jwt-secret": {"JWT_KEY"},
    "stripe-secret": {"STRIPE_KEY", "STRIPE_PUBLISHABLE_KEY"},
    "mongo-credentials": {"root", "backup", "keyfile", *MONGO_USERS},
    "nats-credentials": {"admin", *NATS_USERS},
    "redis-credentials": {"password"},
}


def secret_ref(name: str, key: str) -> dict:
    return {"secretKeyRef": {"name": name, "key": key}}


# The variables Kubernetes expands into a service's URLs ($(NAME)): each one
# comes from its user's key of a credentials Secret. The binaries never read
# them; the URLs carry the credentials (contract §11).
CREDENTIAL_ENV: dict[str, dict[str, dict]] = {
    svc: {
        **({"DATABASE_PASSWORD": secret_ref("mongo-credentials", svc)} if svc in MONGO_USERS else {}),
        **({"NATS_PASSWORD": secret_ref("nats-credentials", svc)} if svc in NATS_USERS else {}),
        # auth keeps its sign-in rate limits in the same Redis.
        **({"REDIS_PASSWORD": secret_ref("redis-credentials", "password")} if svc in ("expiration", "auth") else {}),
    }
    for svc in SERVICES
}
SECRET_VARIABLES = {"JWT_KEY", "STRIPE_KEY"} | {v for env in CREDENTIAL_ENV.values() for v in env}

# §11's values for the variables each service must be given.
REQUIRED_ENV: dict[str, dict[str, object]] = {
    "auth": {
        "DATABASE_URL": "mongodb://auth:$(DATABASE_PASSWORD)@auth-mongo:27017/auth",
        "JWT_KEY": JWT_REF,
        # Database 1: the rate limits' counters, apart from the expiration queue.
        "REDIS_URL": "redis://:$(REDIS_PASSWORD)@expiration-redis:6379/1",
    },
    "tickets": {
        "DATABASE_URL": "mongodb://tickets:$(DATABASE_PASSWORD)@tickets-mongo:27017/tickets",
        "NATS_URL": "nats://tickets:$(NATS_PASSWORD)@nats:4222",
        "JWT_KEY": JWT_REF,
    },
    "orders": {
        "DATABASE_URL": "mongodb://orders:$(DATABASE_PASSWORD)@orders-mongo:27017/orders",
        "NATS_URL": "nats://orders:$(NATS_PASSWORD)@nats:4222",
        "JWT_KEY": JWT_REF,
    },
    "payments": {
        "DATABASE_URL": "mongodb://payments:$(DATABASE_PASSWORD)@payments-mongo:27017/payments",
        "NATS_URL": "nats://payments:$(NATS_PASSWORD)@nats:4222",
        "JWT_KEY": JWT_REF,
        "STRIPE_KEY": STRIPE_REF,
    },
    "expiration": {
        "NATS_URL": "nats://expiration:$(NATS_PASSWORD)@nats:4222",
        "REDIS_URL": "redis://:$(REDIS_PASSWORD)@expiration-redis:6379",
    },
    "client": {"API_BASE_URL": "http://ingress-nginx-controller.ingress-nginx.svc.cluster.local"},
}
for _svc, _env in CREDENTIAL_ENV.items():
    REQUIRED_ENV[_svc] |= _env

# §2.4: everything each binary reads. Anything else in its env is a typo.
# Every binary reads the trace settings too (contract §8, "Traces").
COMMON_ENV = {"PORT", "RUST_LOG", "LOG_FORMAT", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_BSP_SCHEDULE_DELAY"}
NATS_ENV = {"NATS_URL", "NATS_ACK_WAIT_SECONDS", "NATS_MAX_DELIVER", "NATS_STREAM_MAX_BYTES"}
READS_ENV: dict[str, set[str]] = {
    "auth": COMMON_ENV
    | {
        "JWT_KEY",
        "JWT_TTL_SECONDS",
        "COOKIE_SECURE",
        "DATABASE_URL",
        "REDIS_URL",
        "PASSWORD_HASH_CONCURRENCY",
        "AUTH_RATE_PER_MINUTE",
        "TRUSTED_PROXY_HOPS",
    },
    "tickets": COMMON_ENV | NATS_ENV | {"JWT_KEY", "DATABASE_URL"},
    "orders": COMMON_ENV
    | NATS_ENV
    | {"JWT_KEY", "DATABASE_URL", "EXPIRATION_WINDOW_SECONDS", "EXPIRY_SWEEP_SECONDS", "EXPIRY_GRACE_SECONDS"},
    "payments": COMMON_ENV | NATS_ENV | {"JWT_KEY", "DATABASE_URL", "STRIPE_KEY", "STRIPE_API_BASE"},
    "expiration": COMMON_ENV | NATS_ENV | {"REDIS_URL"},
    # SITE_DIR: where the client image keeps its site (client/src/server/config.rs).
    "client": COMMON_ENV | {"API_BASE_URL", "API_ROUTES", "STRIPE_PUBLISHABLE_KEY", "SITE_DIR", "COOKIE_SECURE"},
}

INGRESS_PATHS = [
    ("/api/users", "auth"),
    ("/api/tickets", "tickets"),
    ("/api/orders", "orders"),
    ("/api/payments", "payments"),
    ("/", "client"),
]

STORES = {
    **{
        f"{svc}-mongo": {"image": "mongo:7.0", "port": 27017, "storage": "1Gi", "uid": 999, "headless": True}
        for svc in MONGO_USERS
    },
    "nats": {"image": "nats:2.10-alpine", "port": 4222, "storage": "2Gi", "uid": None, "headless": False},
    "expiration-redis": {"image": "redis:7.2-alpine", "port": 6379, "storage": "1Gi", "uid": 999, "headless": False},
}

SKAFFOLD_GLOB = "infra/k8s/*.yaml"
BASE_KUSTOMIZATION = "infra/k8s/Kustomization"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"}
KNOWN_KINDS = WORKLOAD_KINDS | {
    # The observability component's Prometheus Operator objects.
    "ServiceMonitor",
    "PrometheusRule",
    "Service",
    "Ingress",
    "ConfigMap",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "PersistentVolumeClaim",
    "HorizontalPodAutoscaler",
    "Gateway",
    "HTTPRoute",
    "Certificate",
    "Issuer",
}


# -- helpers -------------------------------------------------------------------


def load_docs(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def name_of(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def find(objs: list[dict], kind: str, name: str) -> dict | None:
    for o in objs:
        if o.get("kind") == kind and o.get("metadata", {}).get("name") == name:
            return o
    return None


def pod_spec(obj: dict) -> dict | None:
    kind = obj.get("kind")
    if kind == "Pod":
        return obj.get("spec") or {}
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"].get("spec") or {}
    if kind in WORKLOAD_KINDS:
        return obj["spec"]["template"].get("spec") or {}
    return None


def pod_labels(obj: dict) -> dict:
    if obj.get("kind") == "Pod":
        return obj.get("metadata", {}).get("labels") or {}
    if obj.get("kind") == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"].get("metadata", {}).get("labels") or {}
    return obj["spec"]["template"].get("metadata", {}).get("labels") or {}


def workloads(objs: list[dict]) -> list[dict]:
    return [o for o in objs if o.get("kind") in WORKLOAD_KINDS]


def containers(obj: dict) -> list[dict]:
    spec = pod_spec(obj) or {}
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def env_of(container: dict) -> dict[str, object]:
    """name -> value (a string) or valueFrom (a dict)."""
    out: dict[str, object] = {}
    for e in container.get("env") or []:
        out[e["name"]] = e["valueFrom"] if "valueFrom" in e else e.get("value")
    return out


def selects(selector: dict | None, labels: dict) -> bool:
    """Does a LabelSelector (matchLabels/matchExpressions) select these labels?"""
    if not selector:
        return True
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def image_tag(image: str) -> str | None:
    """The tag of an image reference, or None (digests count as pinned)."""
    if "@" in image:
        return "@digest"
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def image_name(image: str) -> str:
    if "@" in image:
        image = image.split("@", 1)[0]
    head, _, last = image.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


# -- skaffold --------------------------------------------------------------------


def json_pointer_parts(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def apply_patches(config: dict, patches: list[dict]) -> dict:
    """The JSON patches (add/replace/remove) a skaffold profile applies."""
    config = copy.deepcopy(config)
    for patch in patches:
        parts = json_pointer_parts(patch["path"])
        parent = config
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last, op = parts[-1], patch["op"]
        if isinstance(parent, list):
            if op == "add":
                parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(patch["value"]))
            elif op == "replace":
                parent[int(last)] = copy.deepcopy(patch["value"])
            elif op == "remove":
                del parent[int(last)]
        elif op in ("add", "replace"):
            parent[last] = copy.deepcopy(patch["value"])
        elif op == "remove":
            del parent[last]
        else:
            raise ValueError(f"unsupported patch op {op}")
    return config


def check_skaffold(skaffold: dict, dockerfiles: set[str]) -> list[str]:
    """§11 "Images and skaffold": the base configuration, to the letter."""
    errors = []
    if skaffold.get("apiVersion") != "skaffold/v4beta11":
        errors.append(f"skaffold.yaml: apiVersion is {skaffold.get('apiVersion')!r}, not skaffold/v4beta11")
    if skaffold.get("kind") != "Config":
        errors.append("skaffold.yaml: kind is not Config")
    build = skaffold.get("build") or {}
    if (build.get("local") or {}).get("push") is not False:
        errors.append("skaffold.yaml: build.local.push must be false")
    artifacts = build.get("artifacts") or []
    images = [a.get("image") for a in artifacts]
    wanted = [f"ticketing/{s}" for s in SERVICES]
    if sorted(images) != sorted(wanted):
        errors.append(f"skaffold.yaml: artifacts are {sorted(images)}, the contract's are {sorted(wanted)}")
    errors += check_artifacts(artifacts, dockerfiles, "skaffold.yaml")
    if skaffold.get("manifests") != {"rawYaml": [SKAFFOLD_GLOB]}:
        errors.append(f"skaffold.yaml: manifests must be exactly {{rawYaml: [{SKAFFOLD_GLOB}]}}")
    if skaffold.get("deploy") != {"kubectl": {}}:
        errors.append("skaffold.yaml: deploy must be exactly {kubectl: {}}")
    return errors


def check_artifacts(artifacts: list[dict], dockerfiles: set[str], where: str) -> list[str]:
    errors = []
    for a in artifacts:
        image = a.get("image", "?")
        docker = a.get("docker") or {}
        name = image.split("/", 1)[-1]
        if a.get("context") != ".":
            errors.append(f"{where}: {image}: context must be '.'")
        dockerfile = docker.get("dockerfile")
        if dockerfile not in dockerfiles:
            errors.append(f"{where}: {image}: dockerfile {dockerfile!r} does not exist in docker/")
        if name == "client":
            if dockerfile != "docker/client.Dockerfile":
                errors.append(f"{where}: {image}: must build from docker/client.Dockerfile")
        else:
            if dockerfile != "docker/Dockerfile":
                errors.append(f"{where}: {image}: must build from docker/Dockerfile")
            if (docker.get("buildArgs") or {}).get("SERVICE") != name:
                errors.append(f"{where}: {image}: buildArgs.SERVICE must be {name!r}")
    return errors


def check_images(artifacts: list[dict], objs: list[dict], where: str) -> list[str]:
    """Every image skaffold builds is deployed, and every ticketing/* image deployed is built."""
    built = {a.get("image") for a in artifacts}
    used: dict[str, str] = {}
    for w in workloads(objs):
        for c in containers(w):
            used[c.get("image", "")] = name_of(w)
    errors = []
    for image in sorted(built - set(used)):
        errors.append(f"{where}: skaffold builds {image}, but no manifest uses it")
    for image, owner in sorted(used.items()):
        if image.startswith("ticketing/") and image not in built:
            errors.append(f"{where}: {owner} uses {image}, which skaffold does not build (or it is tagged)")
    return errors


def check_profiles(skaffold: dict, renders: dict[str, list[dict]], dockerfiles: set[str]) -> list[str]:
    """Each profile's effective config: artifacts valid, and its manifests use exactly what it builds."""
    errors = []
    for profile in skaffold.get("profiles") or []:
        where = f"skaffold.yaml profile {profile.get('name')}"
        try:
            config = apply_patches(skaffold, profile.get("patches") or [])
        except (KeyError, IndexError, ValueError) as e:
            errors.append(f"{where}: its patches do not apply: {e}")
            continue
        for key in ("build", "manifests", "deploy"):
            if key in profile:
                config[key] = profile[key]
        artifacts = (config.get("build") or {}).get("artifacts") or []
        errors += check_artifacts(artifacts, dockerfiles, where)
        manifests = config.get("manifests") or {}
        paths = (manifests.get("kustomize") or {}).get("paths") or []
        if manifests.get("rawYaml") == [SKAFFOLD_GLOB] and not paths:
            objs = renders.get("base", [])
        elif len(paths) == 1 and paths[0].startswith("infra/overlays/"):
            objs = renders.get(Path(paths[0]).name)
            if objs is None:
                errors.append(f"{where}: renders {paths[0]}, which was not rendered")
                continue
        else:
            errors.append(f"{where}: manifests must be the base glob or one infra/overlays/<name>")
            continue
        errors += check_images(artifacts, objs, where)
    return errors


# -- skaffold's glob and the kustomization ------------------------------------------


def check_glob_and_kustomization(
    glob_docs: dict[str, list[dict]], kustomization: dict, base_render: list[dict], k8s_files: list[str]
) -> list[str]:
    """What skaffold deploys (the glob) is what `kubectl apply -k infra/k8s` deploys."""
    errors = []
    for f in k8s_files:
        if f.lower() in ("kustomization.yaml", "kustomization.yml"):
            errors.append(
                f"infra/k8s/{f}: skaffold's glob would send it to the API server; keep the name Kustomization"
            )
    for f, docs in sorted(glob_docs.items()):
        for d in docs:
            api = str(d.get("apiVersion", ""))
            if not d.get("kind") or not api or api.startswith(("kustomize.config.k8s.io", "config.kubernetes.io")):
                errors.append(
                    f"infra/k8s/{f}: {d.get('kind')!r} ({api!r}) is not a Kubernetes object for kubectl apply"
                )
    resources = kustomization.get("resources") or []
    if sorted(resources) != sorted(glob_docs):
        errors.append(
            f"{BASE_KUSTOMIZATION}: resources {sorted(resources)} differ from the files skaffold's glob "
            f"{SKAFFOLD_GLOB} picks: {sorted(glob_docs)}"
        )
    for key in sorted(set(kustomization) - {"apiVersion", "kind", "resources"}):
        errors.append(f"{BASE_KUSTOMIZATION}: `{key}` would make kustomize render differently from skaffold's glob")

    def canon(docs: list[dict]) -> list[str]:
        return sorted(json.dumps(d, sort_keys=True) for d in docs)

    raw = [d for docs in glob_docs.values() for d in docs]
    if canon(raw) != canon(base_render):
        errors.append(f"`kubectl kustomize infra/k8s` renders objects that differ from {SKAFFOLD_GLOB}")
    return errors


# -- services ----------------------------------------------------------------------


def check_services(objs: list[dict], variant: str) -> list[str]:
    """§11 "Deployments" and §2.4 for the six services."""
    errors = []
    for svc in SERVICES:
        dep = find(objs, "Deployment", svc)
        where = f"{variant}: Deployment/{svc}"
        if dep is None:
            errors.append(f"{where} is missing")
            continue
        replicas = dep["spec"].get("replicas", 1)
        if variant in ("base", "fake-stripe") and replicas != 2:
            errors.append(f"{where}: replicas is {replicas}, the contract's is 2")
        elif replicas < 2:
            errors.append(f"{where}: replicas is {replicas}, fewer than the base's 2")
        if dep["spec"].get("selector", {}).get("matchLabels") != {"app": svc} or pod_labels(dep).get("app") != svc:
            errors.append(f"{where}: pods must carry and be selected by app: {svc}")
        spec = pod_spec(dep) or {}
        if spec.get("terminationGracePeriodSeconds") != 30:
            errors.append(f"{where}: terminationGracePeriodSeconds must be 30")
        psc = spec.get("securityContext") or {}
        want_psc = {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532}
        for k, v in want_psc.items():
            if psc.get(k) != v:
                errors.append(f"{where}: pod securityContext.{k} must be {v}")
        if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            errors.append(f"{where}: pod seccompProfile must be RuntimeDefault")
        ctrs = spec.get("containers") or []
        if len(ctrs) != 1:
            errors.append(f"{where}: expected one container, found {len(ctrs)}")
            continue
        c = ctrs[0]
        errors += check_service_container(c, svc, variant, where, objs)
        errors += check_service_object(objs, svc, variant)
    return errors


def check_service_container(c: dict, svc: str, variant: str, where: str, objs: list[dict]) -> list[str]:
    errors = []
    ports = c.get("ports") or []
    if [(p.get("name"), p.get("containerPort")) for p in ports] != [("http", 3000)]:
        errors.append(f"{where}: the container must expose exactly port 3000 named http")
    ready, live = c.get("readinessProbe") or {}, c.get("livenessProbe") or {}
    if (ready.get("httpGet") or {}) != {"path": "/readyz", "port": "http"}:
        errors.append(f"{where}: readiness must GET /readyz on port http")
    if ready.get("periodSeconds") != 5 or ready.get("failureThreshold") != 2:
        errors.append(f"{where}: readiness must run every 5 s with failureThreshold 2")
    if (live.get("httpGet") or {}) != {"path": "/healthz", "port": "http"}:
        errors.append(f"{where}: liveness must GET /healthz on port http")
    if live.get("periodSeconds") != 10 or live.get("initialDelaySeconds") != 5 or live.get("failureThreshold") != 3:
        errors.append(f"{where}: liveness must run every 10 s after 5 s with failureThreshold 3")
    mem = ("64Mi", "256Mi") if svc == "client" else ("32Mi", "128Mi")
    want_res = {"requests": {"cpu": "50m", "memory": mem[0]}, "limits": {"cpu": "500m", "memory": mem[1]}}
    if c.get("resources") != want_res:
        errors.append(f"{where}: resources must be {want_res}")
    csc = c.get("securityContext") or {}
    if csc.get("readOnlyRootFilesystem") is not True or csc.get("allowPrivilegeEscalation") is not False:
        errors.append(f"{where}: container needs readOnlyRootFilesystem true and allowPrivilegeEscalation false")
    if (csc.get("capabilities") or {}).get("drop") != ["ALL"]:
        errors.append(f"{where}: container must drop ALL capabilities")

    image = c.get("image", "")
    if variant == "production":
        if image.startswith("ticketing/") or image_name(image).rsplit("/", 2)[-2:] != ["ticketing", svc]:
            errors.append(f"{where}: production image {image!r} must be <registry>/ticketing/{svc}:<tag>")
        elif image_tag(image) in (None, "latest"):
            errors.append(f"{where}: production image {image!r} needs a fixed tag")
    elif image != f"ticketing/{svc}":
        errors.append(f"{where}: image must be exactly ticketing/{svc} (skaffold tags it)")
    # The base never pulls (skaffold loads the image), so no Docker Hub namesake.
    want_pull = "IfNotPresent" if variant == "production" else "Never"
    if c.get("imagePullPolicy") != want_pull:
        errors.append(f"{where}: imagePullPolicy must be {want_pull}")
    if svc == "client":
        ref = (env_of(c).get("STRIPE_PUBLISHABLE_KEY") or {}).get("secretKeyRef") or {}
        if (ref.get("name"), ref.get("key")) != ("stripe-secret", "STRIPE_PUBLISHABLE_KEY"):
            errors.append(f"{where}: STRIPE_PUBLISHABLE_KEY must come from stripe-secret")
        elif ref.get("optional") is not (variant != "production"):
            errors.append(f"{where}: STRIPE_PUBLISHABLE_KEY is required in production only (Stripe Elements)")

    env = env_of(c)
    for var in sorted(set(env) - READS_ENV[svc] - set(CREDENTIAL_ENV[svc])):
        errors.append(f"{where}: sets {var}, which {svc} does not read (contract §2.4)")
    if "COOKIE_SECURE" in env:
        errors.append(f"{where}: COOKIE_SECURE must be left at its default (contract §11)")
    for var, want in REQUIRED_ENV[svc].items():
        have = env.get(var)
        if var not in env:
            errors.append(f"{where}: {var} is not set (contract §2.4, §11)")
        elif var == "DATABASE_URL" and variant == "production":
            errors += check_replica_set_url(str(have), svc, objs, where)
        elif var == "API_BASE_URL" and find_kind(objs, "Gateway"):
            errors += check_api_routes(env, where)
        elif have != want:
            errors.append(f"{where}: {var} is {have!r}, the contract's is {want!r}")
    return errors


def check_api_routes(env: dict, where: str) -> list[str]:
    """Behind a Gateway, the client calls each service directly, never the edge."""
    want = ",".join(f"{path}=http://{svc}:3000" for path, svc in INGRESS_PATHS if path != "/")
    if env.get("API_ROUTES") != want:
        return [f"{where}: API_ROUTES must send each API prefix to its service: {want}"]
    return []


def find_kind(objs: list[dict], kind: str) -> list[dict]:
    return [o for o in objs if o.get("kind") == kind]


def check_replica_set_url(url: str, svc: str, objs: list[dict], where: str) -> list[str]:
    """An overlay's DATABASE_URL names its store's members, database and replica set."""
    errors = []
    store = find(objs, "StatefulSet", f"{svc}-mongo")
    if store is None:
        return [f"{where}: StatefulSet/{svc}-mongo is missing"]
    parts = urlsplit(url)
    userinfo, _, netloc = parts.netloc.rpartition("@")
    hosts = netloc.split(",")
    if userinfo != f"{svc}:$(DATABASE_PASSWORD)":
        errors.append(f"{where}: DATABASE_URL {url!r} must log in as {svc}:$(DATABASE_PASSWORD)")
    if parts.scheme != "mongodb" or parts.path != f"/{svc}":
        errors.append(f"{where}: DATABASE_URL {url!r} must be mongodb://…/{svc}")
    args = containers(store)[0].get("args") or []
    replset = args[args.index("--replSet") + 1] if "--replSet" in args else None
    query = parse_qs(parts.query)
    if replset is None:
        if hosts != [f"{svc}-mongo:27017"] or query:
            errors.append(f"{where}: DATABASE_URL {url!r} must be mongodb://{svc}-mongo:27017/{svc}")
        return errors
    members = [f"{svc}-mongo-{i}.{svc}-mongo:27017" for i in range(store["spec"].get("replicas", 1))]
    if hosts != members:
        errors.append(f"{where}: DATABASE_URL hosts {hosts} are not the replica set's members {members}")
    if query.get("replicaSet") != [replset]:
        errors.append(f"{where}: DATABASE_URL must carry replicaSet={replset} (mongod --replSet)")
    return errors


def check_service_object(objs: list[dict], svc: str, variant: str) -> list[str]:
    where = f"{variant}: Service/{svc}"
    s = find(objs, "Service", svc)
    if s is None:
        return [f"{where} is missing"]
    errors = []
    spec = s.get("spec") or {}
    if spec.get("type", "ClusterIP") != "ClusterIP" or spec.get("clusterIP") == "None":
        errors.append(f"{where}: must be a ClusterIP Service")
    if spec.get("selector") != {"app": svc}:
        errors.append(f"{where}: selector must be app: {svc}")
    ports = spec.get("ports") or []
    if len(ports) != 1 or ports[0].get("port") != 3000 or ports[0].get("targetPort") not in ("http", 3000):
        errors.append(f"{where}: must serve port 3000 onto the pods' http port")
    return errors


# -- stores ------------------------------------------------------------------------


def pvc_mount(sts: dict, c: dict) -> tuple[str | None, str | None]:
    """(size, mountPath) of the StatefulSet's single volume claim template."""
    claims = sts["spec"].get("volumeClaimTemplates") or []
    if len(claims) != 1:
        return None, None
    claim = claims[0]
    size = (claim["spec"].get("resources") or {}).get("requests", {}).get("storage")
    modes = claim["spec"].get("accessModes")
    if modes != ["ReadWriteOnce"]:
        return None, None
    for m in c.get("volumeMounts") or []:
        if m.get("name") == claim["metadata"]["name"]:
            return size, m.get("mountPath")
    return size, None


def has_flags(args: list[str], *flags: str) -> bool:
    """Do the flags appear in args as a contiguous run?"""
    n = len(flags)
    return any(tuple(args[i : i + n]) == flags for i in range(len(args) - n + 1))


def check_stores(objs: list[dict], variant: str) -> list[str]:
    """§11 "Stores"."""
    errors = []
    for name, want in STORES.items():
        where = f"{variant}: StatefulSet/{name}"
        sts = find(objs, "StatefulSet", name)
        if sts is None:
            errors.append(f"{where} is missing")
            continue
        replicas = sts["spec"].get("replicas", 1)
        if variant != "production" and replicas != 1:
            errors.append(f"{where}: replicas must be 1")
        if pod_labels(sts).get("app") != name:
            errors.append(f"{where}: pods must carry app: {name}")
        spec = pod_spec(sts) or {}
        c = (spec.get("containers") or [{}])[0]
        if c.get("image") != want["image"]:
            errors.append(f"{where}: image must be {want['image']}, not {c.get('image')}")
        if want["uid"] is not None and (spec.get("securityContext") or {}).get("runAsUser") != want["uid"]:
            errors.append(f"{where}: must run as uid {want['uid']}")
        size, mount = pvc_mount(sts, c)
        if size != want["storage"] or mount is None:
            errors.append(f"{where}: needs one {want['storage']} ReadWriteOnce volume claim template, mounted")
        svc = find(objs, "Service", name)
        if svc is None:
            errors.append(f"{variant}: Service/{name} is missing")
        else:
            headless = (svc.get("spec") or {}).get("clusterIP") == "None"
            if want["headless"] and not headless:
                errors.append(f"{variant}: Service/{name} must be headless")
            if want["port"] not in [p.get("port") for p in (svc.get("spec") or {}).get("ports") or []]:
                errors.append(f"{variant}: Service/{name} must serve port {want['port']}")
        args = c.get("args") or []
        if name.endswith("-mongo"):
            if mount != "/data/db" or ("--dbpath" in args and not has_flags(args, "--dbpath", mount)):
                errors.append(f"{where}: the volume must hold Mongo's data directory /data/db")
            if "/tmp" not in [m.get("mountPath") for m in c.get("volumeMounts") or []]:
                errors.append(f"{where}: needs an emptyDir on /tmp")
            if "tcpSocket" not in (c.get("livenessProbe") or {}):
                errors.append(f"{where}: livenessProbe must be a TCP probe")
            ready = " ".join(((c.get("readinessProbe") or {}).get("exec") or {}).get("command") or [])
            if not ("mongosh" in ready and "hello()" in ready and "isWritablePrimary" in ready and "secondary" in ready):
                errors.append(f"{where}: readiness must ask the server (hello: a primary or a healthy secondary)")
        elif name == "nats":
            ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
            if ports.get("client") != 4222 or ports.get("monitor") != 8222:
                errors.append(f"{where}: container ports must be client 4222 and monitor 8222")
            svc_ports = {p.get("name"): p.get("port") for p in (svc or {}).get("spec", {}).get("ports") or []}
            if svc_ports.get("client") != 4222 or svc_ports.get("monitor") != 8222:
                errors.append(f"{variant}: Service/nats must serve client 4222 and monitor 8222")
            if "--config" not in args and not (
                "-js" in args and has_flags(args, "-m", "8222") and has_flags(args, "-sd", str(mount))
            ):
                errors.append(f"{where}: args must be -js -m 8222 -sd <its volume>")
            ready = (c.get("readinessProbe") or {}).get("httpGet") or {}
            if ready.get("path") != "/healthz?js-enabled-only=true" or ready.get("port") not in ("monitor", 8222):
                errors.append(f"{where}: readiness must GET /healthz?js-enabled-only=true on 8222")
        elif name == "expiration-redis" and not (
            has_flags(args, "--appendonly", "yes")
            and has_flags(args, "--appendfsync", "everysec")
            and has_flags(args, "--dir", str(mount))
        ):
            errors.append(f"{where}: args must include --appendonly yes --appendfsync everysec --dir <its volume>")
    return errors


# -- clusters of stores (overlays) ---------------------------------------------------------


def config_file(objs: list[dict], workload: dict, c: dict, path: str) -> str | None:
    """The text of the file at `path` in container c, when a ConfigMap volume provides it."""
    volumes = {v.get("name"): v for v in (pod_spec(workload) or {}).get("volumes") or []}
    for m in c.get("volumeMounts") or []:
        if path.startswith(m.get("mountPath", "").rstrip("/") + "/"):
            cm_name = (volumes.get(m.get("name")) or {}).get("configMap", {}).get("name")
            cm = find(objs, "ConfigMap", cm_name) if cm_name else None
            if cm is not None:
                return (cm.get("data") or {}).get(path[len(m["mountPath"].rstrip("/")) + 1 :])
    return None


def check_store_clusters(objs: list[dict], variant: str) -> list[str]:
    """Replica sets have an init Job sized like them; a NATS cluster's routes are its pods."""
    errors = []
    for sts in [o for o in objs if o.get("kind") == "StatefulSet"]:
        name = sts["metadata"]["name"]
        replicas = sts["spec"].get("replicas", 1)
        c = (pod_spec(sts) or {}).get("containers", [{}])[0]
        args = c.get("args") or []
        governing = find(objs, "Service", sts["spec"].get("serviceName", ""))
        if governing is None:
            errors.append(
                f"{variant}: StatefulSet/{name}: its serviceName {sts['spec'].get('serviceName')!r} is missing"
            )
        if "--replSet" in args:
            jobs = [
                j for j in objs if j.get("kind") == "Job" and any(env_of(jc).get("SET") == name for jc in containers(j))
            ]
            if len(jobs) != 1:
                errors.append(f"{variant}: replica set {name} needs one init Job with SET={name}, found {len(jobs)}")
            for j in jobs:
                members = next(env_of(jc).get("MEMBERS") for jc in containers(j) if env_of(jc).get("SET") == name)
                if str(members) != str(replicas):
                    errors.append(f"{variant}: {name_of(j)} initiates {members} members, {name} has {replicas}")
            if governing is not None and (governing.get("spec") or {}).get("clusterIP") != "None":
                errors.append(f"{variant}: replica set {name} needs a headless governing Service for member names")
        if name == "nats" and "--config" in args:
            path = args[args.index("--config") + 1]
            conf = config_file(objs, sts, c, path)
            if conf is None:
                errors.append(f"{variant}: StatefulSet/nats: {path} is not provided by a ConfigMap in the output")
                continue
            _, mount = pvc_mount(sts, c)
            if not re.search(r"jetstream\s*\{[^}]*store_dir:\s*" + re.escape(str(mount)) + r"\s", conf):
                errors.append(f"{variant}: nats config must keep JetStream's store_dir on its volume {mount}")
            if not re.search(r"^\s*http_port:\s*8222\s*$", conf, re.M) or not re.search(
                r"^port:\s*4222\s*$", conf, re.M
            ):
                errors.append(f"{variant}: nats config must listen on 4222 with monitoring on 8222")
            routes = sorted(set(re.findall(r"nats://([a-z0-9-]+)\.([a-z0-9-]+):(\d+)", conf)))
            service = sts["spec"].get("serviceName")
            want = sorted((f"nats-{i}", service, "6222") for i in range(replicas))
            if replicas > 1 and routes != want:
                errors.append(f"{variant}: nats routes {routes} are not its {replicas} pods behind {service}:6222")
            if replicas > 1 and governing is not None:
                spec = governing.get("spec") or {}
                if spec.get("clusterIP") != "None" or not spec.get("publishNotReadyAddresses"):
                    errors.append(f"{variant}: Service/{service} must be headless and publish not-ready addresses")
    return errors


# -- every workload ------------------------------------------------------------------


def check_pods(objs: list[dict], variant: str) -> list[str]:
    """Non-root, read-only root, no escalation, limits, pinned images: every pod, not just the services."""
    errors = []
    for w in workloads(objs):
        where = f"{variant}: {name_of(w)}"
        spec = pod_spec(w) or {}
        psc = spec.get("securityContext") or {}
        if psc.get("runAsNonRoot") is not True:
            errors.append(f"{where}: pod must set runAsNonRoot: true")
        if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            errors.append(f"{where}: pod seccompProfile must be RuntimeDefault")
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            errors.append(f"{where}: must not share the host's namespaces")
        for v in spec.get("volumes") or []:
            if "hostPath" in v:
                errors.append(f"{where}: hostPath volume {v.get('name')}")
        for c in containers(w):
            cw = f"{where} container {c.get('name')}"
            csc = c.get("securityContext") or {}
            if csc.get("readOnlyRootFilesystem") is not True:
                errors.append(f"{cw}: readOnlyRootFilesystem must be true")
            if csc.get("allowPrivilegeEscalation") is not False or csc.get("privileged"):
                errors.append(f"{cw}: allowPrivilegeEscalation must be false")
            if (csc.get("capabilities") or {}).get("drop") != ["ALL"] or (csc.get("capabilities") or {}).get("add"):
                errors.append(f"{cw}: must drop ALL capabilities and add none")
            res = c.get("resources") or {}
            if not all((res.get(k) or {}).get(r) for k in ("requests", "limits") for r in ("cpu", "memory")):
                errors.append(f"{cw}: needs cpu and memory requests and limits")
            image = c.get("image", "")
            ours = image_name(image).split("/")[-2:-1] == ["ticketing"]
            if ours:
                if (psc.get("runAsUser"), psc.get("runAsGroup")) != (65532, 65532):
                    errors.append(f"{where}: our images run as uid/gid 65532")
            elif image_tag(image) in (None, "latest"):
                errors.append(f"{cw}: third-party image {image!r} must be pinned to a tag")
    return errors


# -- ingress -----------------------------------------------------------------------------


def check_ingress(objs: list[dict], variant: str) -> list[str]:
    """§1's routing table, §11's Ingress (or, in production, the Gateway)."""
    if find_kind(objs, "Gateway"):
        import crosscheck_gateway  # noqa: PLC0415 (it imports this module)

        return crosscheck_gateway.check_gateway(objs, variant)
    ingresses = [o for o in objs if o.get("kind") == "Ingress"]
    if len(ingresses) != 1:
        return [f"{variant}: expected one Ingress, found {len(ingresses)}"]
    ing = ingresses[0]
    where = f"{variant}: {name_of(ing)}"
    errors = []
    spec = ing.get("spec") or {}
    if ing.get("apiVersion") != "networking.k8s.io/v1":
        errors.append(f"{where}: apiVersion must be networking.k8s.io/v1")
    if spec.get("ingressClassName") != "nginx":
        errors.append(f"{where}: ingressClassName must be nginx")
    rules = spec.get("rules") or []
    if len(rules) != 1 or rules[0].get("host") != "ticketing.dev":
        errors.append(f"{where}: needs exactly one rule, for host ticketing.dev")
    if not any("ticketing.dev" in (t.get("hosts") or []) for t in spec.get("tls") or []):
        errors.append(f"{where}: must serve ticketing.dev over TLS")
    paths = ((rules[0].get("http") or {}).get("paths") or []) if rules else []
    got = []
    for p in paths:
        backend = (p.get("backend") or {}).get("service") or {}
        got.append((p.get("path"), p.get("pathType"), backend.get("name"), (backend.get("port") or {}).get("number")))
    want = [(path, "Prefix", svc, 3000) for path, svc in INGRESS_PATHS]
    if got != want:
        errors.append(f"{where}: paths are {got}, the contract's are {want}")
    return errors


# -- secrets ------------------------------------------------------------------------------


def check_secrets(objs: list[dict], variant: str) -> list[str]:
    """Secrets are created out of band: referenced by name and key, never defined."""
    errors = []
    for o in objs:
        if o.get("kind") == "Secret":
            errors.append(f"{variant}: {name_of(o)} is defined in the repository; create it out of band")
    for w in workloads(objs):
        where = f"{variant}: {name_of(w)}"
        for c in containers(w):
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref and ref.get("key") not in SECRETS.get(ref.get("name"), set()):
                    errors.append(f"{where}: {e['name']} refers to unknown secret {ref.get('name')}/{ref.get('key')}")
                if e["name"] in SECRET_VARIABLES and "valueFrom" not in e:
                    errors.append(f"{where}: {e['name']} has a literal value; it must come from its Secret")
            for ef in c.get("envFrom") or []:
                if "secretRef" in ef:
                    errors.append(f"{where}: envFrom secretRef; reference single keys instead")
        for v in (pod_spec(w) or {}).get("volumes") or []:
            if "secret" in v:
                errors.append(f"{where}: mounts secret {v['secret'].get('secretName')}; none is expected")
    return errors


# -- wiring ---------------------------------------------------------------------------------


def check_wiring(objs: list[dict], variant: str) -> list[str]:
    """Selectors select something, named ports exist, references resolve, kinds are known."""
    errors = []
    pods = [(name_of(w), pod_labels(w), w) for w in workloads(objs)]
    app_labels = {labels.get("app") for _, labels, _ in pods}
    for o in objs:
        if o.get("kind") not in KNOWN_KINDS:
            errors.append(f"{variant}: {name_of(o)}: unexpected kind (is something unrendered in the output?)")
    for s in [o for o in objs if o.get("kind") == "Service"]:
        sel = (s.get("spec") or {}).get("selector") or {}
        chosen = [w for _, labels, w in pods if sel and all(labels.get(k) == v for k, v in sel.items())]
        if not chosen:
            errors.append(f"{variant}: {name_of(s)} selects no pods")
        for p in (s.get("spec") or {}).get("ports") or []:
            target = p.get("targetPort", p.get("port"))
            for w in chosen:
                ports = [cp for c in containers(w) for cp in c.get("ports") or []]
                if not any(target in (cp.get("name"), cp.get("containerPort")) for cp in ports):
                    errors.append(f"{variant}: {name_of(s)} targets port {target!r}, which {name_of(w)} lacks")
    for o in objs:
        if o.get("kind") in ("PodDisruptionBudget", "NetworkPolicy"):
            sel = (o.get("spec") or {}).get("selector" if o["kind"] == "PodDisruptionBudget" else "podSelector")
            # cert-manager's HTTP-01 solver pods exist only while it issues.
            transient = "acme.cert-manager.io/http01-solver" in ((sel or {}).get("matchLabels") or {})
            if not transient and not any(selects(sel, labels) for _, labels, _ in pods):
                errors.append(f"{variant}: {name_of(o)} selects no pods")
        if o.get("kind") == "NetworkPolicy":
            for rule in (o.get("spec") or {}).get("ingress") or []:
                for peer in rule.get("from") or []:
                    sel = peer.get("podSelector")
                    if sel is None or "namespaceSelector" in peer:
                        continue
                    named = list((sel.get("matchLabels") or {}).values())
                    for expr in sel.get("matchExpressions") or []:
                        if expr.get("key") == "app" and expr.get("operator") == "In":
                            named += expr.get("values") or []
                    for app in named:
                        if app not in app_labels:
                            errors.append(f"{variant}: {name_of(o)} admits app {app!r}, which no pod carries")
    config_maps = {o["metadata"]["name"] for o in objs if o.get("kind") == "ConfigMap"}
    for name, _, w in pods:
        for v in (pod_spec(w) or {}).get("volumes") or []:
            cm = (v.get("configMap") or {}).get("name")
            if cm and cm not in config_maps:
                errors.append(f"{variant}: {name} mounts ConfigMap {cm}, which is not in the output")
    services = {o["metadata"]["name"]: o for o in objs if o.get("kind") == "Service"}
    for ing in [o for o in objs if o.get("kind") == "Ingress"]:
        for rule in (ing.get("spec") or {}).get("rules") or []:
            for p in (rule.get("http") or {}).get("paths") or []:
                backend = (p.get("backend") or {}).get("service") or {}
                svc = services.get(backend.get("name"))
                number = (backend.get("port") or {}).get("number")
                if svc is None or number not in [sp.get("port") for sp in svc["spec"].get("ports") or []]:
                    errors.append(f"{variant}: Ingress path {p.get('path')} goes to a missing Service port")
    return errors


# -- main -----------------------------------------------------------------------------------


def check_render(objs: list[dict], variant: str) -> list[str]:
    return (
        check_services(objs, variant)
        + check_stores(objs, variant)
        + check_store_clusters(objs, variant)
        + check_pods(objs, variant)
        + check_ingress(objs, variant)
        + check_secrets(objs, variant)
        + check_wiring(objs, variant)
    )


def load_inputs(rendered_dir: Path) -> dict:
    """Everything the checks read, loaded once."""
    k8s_files = sorted(os.listdir(REPO / "infra/k8s"))
    glob_docs = {Path(p).name: load_docs(Path(p)) for p in sorted(glob.glob(str(REPO / SKAFFOLD_GLOB)))}
    kustomization_path = REPO / BASE_KUSTOMIZATION
    kustomization = load_docs(kustomization_path)[0] if kustomization_path.exists() else {}
    renders = {p.stem: load_docs(p) for p in sorted(rendered_dir.glob("*.yaml"))}
    dockerfiles = {f"docker/{p.name}" for p in (REPO / "docker").iterdir() if p.is_file()}
    skaffold = load_docs(REPO / "skaffold.yaml")[0]
    overlays = sorted(p.parent.name for p in (REPO / "infra/overlays").glob("*/kustomization.yaml"))
    return {
        "readme": (REPO / "README.md").read_text(encoding="utf-8"),
        "overlays": overlays,
        "k8s_files": k8s_files,
        "glob_docs": glob_docs,
        "kustomization": kustomization,
        "renders": renders,
        "dockerfiles": dockerfiles,
        "skaffold": skaffold,
    }


def run_checks(inputs: dict) -> dict[str, list[str]]:
    """Check name -> problems."""
    renders = inputs["renders"]
    skaffold = inputs["skaffold"]
    results: dict[str, list[str]] = {}
    missing = [
        f"{name}.yaml is missing from the rendered directory"
        for name in ["base"] + inputs["overlays"]
        if name not in renders
    ]
    if missing:
        return {"renders of infra/k8s and every infra/overlays/*": missing}
    results["skaffold.yaml against contract §11"] = check_skaffold(skaffold, inputs["dockerfiles"])
    results["skaffold images <-> manifest images"] = check_images(
        (skaffold.get("build") or {}).get("artifacts") or [], renders["base"], "skaffold.yaml"
    ) + check_profiles(skaffold, renders, inputs["dockerfiles"])
    results[f"{SKAFFOLD_GLOB} <-> {BASE_KUSTOMIZATION}"] = check_glob_and_kustomization(
        inputs["glob_docs"], inputs["kustomization"], renders["base"], inputs["k8s_files"]
    )
    import crosscheck_security  # noqa: PLC0415 (it imports this module)

    for variant, objs in renders.items():
        results[f"{variant}: contract §1, §2.4, §11"] = check_render(objs, variant)
        results[f"{variant}: network policies, credentials, NATS users, rollouts"] = (
            crosscheck_security.check_security(objs, variant, inputs["readme"])
        )
    return results


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    results = run_checks(load_inputs(Path(argv[1])))
    failed = 0
    for check, problems in results.items():
        print(f"  {'ok  ' if not problems else 'FAIL'} {check}")
        for p in problems:
            print(f"       - {p}")
        failed += len(problems)
    if failed:
        print(f"crosscheck: {failed} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
