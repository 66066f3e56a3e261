"""The cross-check's security rules (issue 17), used by crosscheck.py.

- every workload is isolated by NetworkPolicies (ingress and egress), and the
  pod-to-pod flows they allow are exactly the README diagram's (each service to
  its own store, NATS for the four that use events, Redis for expiration), plus
  what an overlay adds (replica-set members, NATS routes, the Jobs, the fake
  Stripe); from other namespaces, only the edge reaches the public services and
  only the metrics scraper reaches /metrics and NATS' monitor port;
- no store is reachable without credentials: MongoDB runs with --auth, Redis
  with a password, NATS with users only, every password comes from a Secret,
  and every URL to a store carries a user;
- each NATS user's permissions are the README's event table: it publishes its
  own events and dead letters only, its JetStream calls name its own durable,
  and it reads its own inbox only;
- (production) every StatefulSet has a PodDisruptionBudget, every service an
  HPA on CPU, and every replicated workload spreads its pods across zones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import crosscheck as cc

PUBLIC = ["auth", "tickets", "orders", "payments", "client"]
SCRAPER_NS = "monitoring"
DNS_NS = "kube-system"
STRIPE_EXCEPT = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"}
# Contract §4.3: each service's durable consumer and its filter (None: all).
# Each event user's durable consumers and their filters (None: unfiltered). A
# consumer honours one filter, so tickets has a second for payment.created.
DURABLES = {
    "tickets": {"tickets-service": "order.>", "tickets-payments": "payment.created"},
    "orders": {"orders-service": None},
    "payments": {"payments-service": "order.>"},
    "expiration": {"expiration-service": "order.created"},
}
# Subjects a service follows with plain subscriptions (no consumer) to feed its
# live streams (contract 3.5): tickets its own events, orders those that change an order.
LIVE = {"tickets": ["ticket.>"], "orders": ["order.>", "payment.>"]}
STREAMS = ["TICKETING", "TICKETING_DLQ"]


# -- the README's event table ----------------------------------------------------


def event_table(readme: str) -> dict[str, tuple[set[str], set[str]]]:
    """service -> (subjects it publishes, subjects it listens to)."""
    table = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in cc.SERVICES:
            table[cells[0]] = (set(re.findall(r"`([^`]+)`", cells[2])), set(re.findall(r"`([^`]+)`", cells[3])))
    return table


def subject_matches(pattern: str | None, subject: str) -> bool:
    """Does a NATS filter (None: everything) cover a subject (which may hold *)?"""
    if pattern is None:
        return True
    p, s = pattern.split("."), subject.split(".")
    for i, tok in enumerate(p):
        if tok == ">":
            return len(s) > i
        if i >= len(s) or (tok != "*" and tok != s[i]):
            return False
    return len(p) == len(s)


# -- nats-server configuration (the subset nats-auth.yaml uses) --------------------

_TOKEN = re.compile(r'\s+|#[^\n]*|//[^\n]*|"(?:[^"\\]|\\.)*"|[{}\[\],:=;]|[^\s{}\[\],:=;#"]+')


def parse_nats_conf(text: str) -> dict:
    """Maps, arrays, strings and $VARIABLES (kept as {"$var": NAME})."""
    toks = [t for t in _TOKEN.findall(text) if t.strip() and not t.startswith(("#", "//"))]
    pos = 0

    def value():
        nonlocal pos
        tok = toks[pos]
        pos += 1
        if tok == "{":
            return entries("}")
        if tok == "[":
            out = []
            while toks[pos] != "]":
                if toks[pos] == ",":
                    pos += 1
                    continue
                out.append(value())
            pos += 1
            return out
        if tok.startswith('"'):
            return json.loads(tok)
        return {"$var": tok[1:]} if tok.startswith("$") else tok

    def entries(end: str | None) -> dict:
        nonlocal pos
        out: dict = {}
        while pos < len(toks) and toks[pos] != end:
            if toks[pos] in (",", ";"):
                pos += 1
                continue
            key = toks[pos].strip('"')
            pos += 1
            if key == "include":
                out.setdefault("include", []).append(toks[pos])
                pos += 1
                continue
            if toks[pos] in (":", "="):
                pos += 1
            out[key] = value()
        pos += 1
        return out

    return entries(None)


def nats_config(objs: list[dict], sts: dict) -> tuple[dict | None, str]:
    """The server's configuration, includes resolved, and where it came from."""
    c = cc.containers(sts)[0]
    args = c.get("args") or []
    flag = next((f for f in ("--config", "-c") if f in args), None)
    if flag is None:
        return None, "no configuration file (-c/--config)"
    path = args[args.index(flag) + 1]
    text = cc.config_file(objs, sts, c, path)
    if text is None:
        return None, f"{path} is not provided by a ConfigMap"
    conf = parse_nats_conf(text)
    for inc in conf.pop("include", []):
        inc_path = str((Path(path).parent / inc.strip('"')).resolve())
        inc_text = cc.config_file(objs, sts, c, inc_path)
        if inc_text is None:
            return None, f"{path} includes {inc_path}, which no ConfigMap provides"
        conf |= parse_nats_conf(inc_text)
    return conf, path


def expected_js(svc: str) -> set[str]:
    subjects = {f"$JS.API.STREAM.{op}.{s}" for op in ("INFO", "CREATE") for s in STREAMS}
    for durable, flt in DURABLES[svc].items():
        create = f"$JS.API.CONSUMER.CREATE.TICKETING.{durable}" + (f".{flt}" if flt else "")
        subjects |= {f"$JS.API.CONSUMER.INFO.TICKETING.{durable}", create}
        subjects |= {f"$JS.API.CONSUMER.MSG.NEXT.TICKETING.{durable}", f"$JS.ACK.TICKETING.{durable}.>"}
    return subjects


def check_nats_users(objs: list[dict], variant: str, table: dict) -> list[str]:
    sts = cc.find(objs, "StatefulSet", "nats")
    if sts is None:
        return []
    where = f"{variant}: StatefulSet/nats"
    conf, source = nats_config(objs, sts)
    if conf is None:
        return [f"{where}: {source}; NATS needs its users"]
    auth = conf.get("authorization") or {}
    if set(auth) - {"users"} or "no_auth_user" in conf or "accounts" in conf:
        return [f"{where}: only authorization.users may grant access (no token, no anonymous user)"]
    users = {u.get("user"): u for u in auth.get("users") or []}
    if not users:
        return [f"{where}: NATS accepts anyone: {source} defines no authorization.users"]
    errors = []
    if set(users) != set(cc.NATS_USERS) | {"admin"}:
        errors.append(f"{where}: NATS users are {sorted(users)}, expected {sorted(cc.NATS_USERS + ['admin'])}")
    env = cc.env_of(cc.containers(sts)[0])
    for name, u in users.items():
        pw = u.get("password")
        if not isinstance(pw, dict) or env.get(pw["$var"]) != cc.secret_ref("nats-credentials", name):
            errors.append(f"{where}: user {name}'s password must be a $VARIABLE from nats-credentials/{name}")
        perms = u.get("permissions") or {}
        pub = perms.get("publish") or {}
        sub = perms.get("subscribe") or {}
        if set(pub) != {"allow"} or set(sub) != {"allow"}:
            errors.append(f"{where}: user {name} must have publish and subscribe allow lists (and nothing else)")
            continue
        allowed = set(pub["allow"])
        if name == "admin":
            if allowed != {"$JS.API.>"} or sub["allow"] != ["_INBOX.>"]:
                errors.append(f"{where}: admin may use the JetStream API only, never publish events")
            continue
        publishes, listens = table.get(name, (set(), set()))
        events = {s for s in allowed if not s.startswith(("$JS.", "dlq."))}
        if events != publishes:
            errors.append(f"{where}: {name} may publish {sorted(events)}, the README's table says {sorted(publishes)}")
        dlq = {s for s in allowed if s.startswith("dlq.")}
        expected_dlq = {f"dlq.{durable}.>" for durable in DURABLES.get(name, {})} if listens else set()
        if dlq != expected_dlq:
            exactly = " and ".join(sorted(expected_dlq)) or "none"
            errors.append(f"{where}: {name}'s dead letters must be exactly {exactly} ({sorted(dlq)})")
        js = {s for s in allowed if s.startswith("$JS.")}
        if js != expected_js(name):
            errors.append(f"{where}: {name}'s JetStream subjects {sorted(js ^ expected_js(name))} differ")
        for subject in listens:
            if not any(subject_matches(flt, subject) for flt in DURABLES.get(name, {}).values()):
                errors.append(f"{where}: {name} listens to {subject}, which its consumers' filters miss")
        if sub["allow"] != [f"_INBOX_{name}.>", *LIVE.get(name, [])]:
            errors.append(
                f"{where}: {name} may subscribe to its own inbox _INBOX_{name}.> only"
                + (f", then {LIVE[name]} for its live streams" if name in LIVE else "")
            )
    return errors


# -- credentials ---------------------------------------------------------------------


def check_credentials(objs: list[dict], variant: str) -> list[str]:
    errors = []
    for sts in [o for o in objs if o.get("kind") == "StatefulSet"]:
        name, where = sts["metadata"]["name"], f"{variant}: {cc.name_of(sts)}"
        c = cc.containers(sts)[0]
        args, env = c.get("args") or [], cc.env_of(c)
        if name.endswith("-mongo"):
            if "--auth" not in args:
                errors.append(f"{where}: mongod must run with --auth")
            if env.get("MONGO_INITDB_ROOT_PASSWORD") != cc.secret_ref("mongo-credentials", "root"):
                errors.append(f"{where}: the root password must come from mongo-credentials/root")
            if "/docker-entrypoint-initdb.d" not in [m.get("mountPath") for m in c.get("volumeMounts") or []]:
                errors.append(f"{where}: needs its users' script in /docker-entrypoint-initdb.d")
            if "--replSet" in args and "--keyFile" not in args:
                errors.append(f"{where}: replica-set members must authenticate each other (--keyFile)")
        elif name == "expiration-redis":
            if not cc.has_flags(args, "--requirepass", "$(REDIS_PASSWORD)") or cc.has_flags(
                args, "--protected-mode", "no"
            ):
                errors.append(f"{where}: Redis needs --requirepass $(REDIS_PASSWORD) and protected mode")
            if env.get("REDIS_PASSWORD") != cc.secret_ref("redis-credentials", "password"):
                errors.append(f"{where}: REDIS_PASSWORD must come from redis-credentials/password")
    for w in cc.workloads(objs):
        for c in cc.containers(w):
            # Kubernetes expands $(NAME) only from variables defined before.
            defined: list[str] = []
            for e in c.get("env") or []:
                for ref in re.findall(r"\$\((\w+)\)", str(e.get("value", ""))):
                    if ref not in defined:
                        errors.append(f"{variant}: {cc.name_of(w)}: {e['name']} uses $({ref}) before it is defined")
                defined.append(e["name"])
            for arg in (c.get("command") or []) + (c.get("args") or []):
                for ref in re.findall(r"\$\((\w+)\)", str(arg)):
                    if ref not in defined:
                        errors.append(f"{variant}: {cc.name_of(w)}: an argument uses $({ref}), which is not defined")
            for var, value in cc.env_of(c).items():
                if var in ("DATABASE_URL", "NATS_URL", "REDIS_URL") and isinstance(value, str):
                    if value.startswith(("mongodb", "nats", "redis")) and "@" not in urlsplit(value).netloc:
                        errors.append(f"{variant}: {cc.name_of(w)}: {var} carries no credentials")
    return errors


# -- network policies -----------------------------------------------------------------


def _ports_match(rule_ports: list | None, port: dict) -> bool:
    if not rule_ports:
        return True
    return any(
        p.get("port") in (None, port.get("containerPort"), port.get("name"))
        and p.get("protocol", "TCP") == port.get("protocol", "TCP")
        for p in rule_ports
    )


def _peer_selects_pod(peer: dict, labels: dict) -> bool:
    if "ipBlock" in peer:
        return False  # pods have cluster addresses, which the ipBlocks here exclude
    if "namespaceSelector" in peer and peer["namespaceSelector"]:
        return False  # another namespace
    return cc.selects(peer.get("podSelector"), labels)


def _policies(objs: list[dict], labels: dict, direction: str) -> list[dict]:
    return [
        p
        for p in objs
        if p.get("kind") == "NetworkPolicy"
        and direction in (p["spec"].get("policyTypes") or ["Ingress"])
        and cc.selects(p["spec"].get("podSelector"), labels)
    ]


def allowed(objs: list[dict], src: dict, dst: dict, port: dict) -> bool:
    """May a pod with labels src open `port` (a containerPort) on a pod with labels dst?"""
    ing, eg = _policies(objs, dst, "Ingress"), _policies(objs, src, "Egress")
    ok_in = not ing or any(
        _ports_match(r.get("ports"), port) and (not r.get("from") or any(_peer_selects_pod(p, src) for p in r["from"]))
        for pol in ing
        for r in pol["spec"].get("ingress") or []
    )
    ok_out = not eg or any(
        _ports_match(r.get("ports"), port) and (not r.get("to") or any(_peer_selects_pod(p, dst) for p in r["to"]))
        for pol in eg
        for r in pol["spec"].get("egress") or []
    )
    return ok_in and ok_out


def expected_flows(objs: list[dict]) -> set[tuple[str, str, int]]:
    """The diagram's flows (src app, dst app, port), plus what the overlay's objects need."""
    flows = {(s, f"{s}-mongo", 27017) for s in cc.MONGO_USERS}
    flows |= {(s, "nats", 4222) for s in cc.NATS_USERS} | {("expiration", "expiration-redis", 6379)}
    # auth keeps the sign-in rate limits' counters in the same Redis (database 1).
    flows |= {("auth", "expiration-redis", 6379)}
    for w in cc.workloads(objs):
        app = cc.pod_labels(w).get("app")
        for c in cc.containers(w):
            env = cc.env_of(c)
            if env.get("SET") or env.get("STORE"):
                flows.add((app, env.get("SET") or env.get("STORE"), 27017))
            if "@nats:4222" in str(env.get("NATS_URL", "")):
                flows.add((app, "nats", 4222))
            base = str(env.get("STRIPE_API_BASE", ""))
            if base.startswith("http://fake-stripe:3000"):
                flows.add((app, "fake-stripe", 3000))
            for url in re.findall(r"http://([a-z-]+):3000", str(env.get("API_ROUTES", ""))):
                flows.add((app, url, 3000))
            # The observability component: spans to the collector, which forwards them to Jaeger.
            for host in re.findall(r"^http://([a-z-]+):4318$", str(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""))):
                flows.add((app, host, 4318))
        if app == "otel-collector":
            flows.add(("otel-collector", "jaeger", 4317))
        # The loadgen component drives the four API services directly.
        if app == "loadgen":
            flows |= {("loadgen", s, 3000) for s in ("auth", "tickets", "orders", "payments")}
        if w.get("kind") == "StatefulSet":
            args = (cc.containers(w)[0].get("args") or []) if cc.containers(w) else []
            if "--replSet" in args:
                flows.add((app, app, 27017))
            if app == "nats" and w["spec"].get("replicas", 1) > 1:
                flows.add(("nats", "nats", 6222))
    return flows


def _ns_name(peer: dict) -> str | None:
    return ((peer.get("namespaceSelector") or {}).get("matchLabels") or {}).get("kubernetes.io/metadata.name")


def check_network_policies(objs: list[dict], variant: str) -> list[str]:
    errors = []
    pods = [(cc.name_of(w), cc.pod_labels(w), w) for w in cc.workloads(objs)]
    if not any(
        p.get("kind") == "NetworkPolicy"
        and p["spec"].get("podSelector") == {}
        and set(p["spec"].get("policyTypes") or []) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in objs
    ):
        errors.append(f"{variant}: no default-deny NetworkPolicy (every pod, ingress and egress, no rules)")
    for name, labels, _ in pods:
        for direction in ("Ingress", "Egress"):
            if not _policies(objs, labels, direction):
                errors.append(f"{variant}: {name} is not covered by a NetworkPolicy ({direction})")
    want = expected_flows(objs)
    got = set()
    for _, src, _ in pods:
        for _, dst, w in pods:
            for c in cc.containers(w):
                for port in c.get("ports") or []:
                    if allowed(objs, src, dst, port):
                        got.add((src.get("app"), dst.get("app"), port["containerPort"]))
    for flow in sorted(got - want):
        errors.append(f"{variant}: NetworkPolicies let {flow[0]} reach {flow[1]}:{flow[2]}, not a flow of the diagram")
    for flow in sorted(want - got):
        errors.append(f"{variant}: NetworkPolicies block {flow[0]} -> {flow[1]}:{flow[2]}, a flow it needs")
    # From other namespaces: the edge to the public services, the scraper to metrics.
    edges = set()
    for pol in [o for o in objs if o.get("kind") == "NetworkPolicy"]:
        for rule in pol["spec"].get("ingress") or []:
            peers = rule.get("from") or []
            if not peers:
                errors.append(f"{variant}: {cc.name_of(pol)} admits every source")
            for peer in peers:
                if "ipBlock" in peer or "namespaceSelector" in peer:
                    ns = _ns_name(peer)
                    targets = [lab.get("app") for _, lab, _ in pods if cc.selects(pol["spec"].get("podSelector"), lab)]
                    ports = [p.get("port") for p in rule.get("ports") or [{}]]
                    edges |= {(ns, t, p) for t in targets for p in ports}
    scraped = {(SCRAPER_NS, s, 3000) for s in cc.SERVICES if s in {lab.get("app") for _, lab, _ in pods}}
    scraped |= {(SCRAPER_NS, "nats", 8222)}
    # The observability component's prometheus-nats-exporter sidecar.
    nats_ports = {
        p.get("containerPort")
        for _, lab, w in pods
        if lab.get("app") == "nats"
        for c in cc.containers(w)
        for p in c.get("ports") or []
    }
    if 7777 in nats_ports:
        scraped |= {(SCRAPER_NS, "nats", 7777)}
    edge_ns = {ns for ns, t, _ in edges if ns != SCRAPER_NS}
    if len(edge_ns) != 1:
        errors.append(f"{variant}: expected one edge namespace reaching the services, found {sorted(map(str, edge_ns))}")
    public = {(ns, s, 3000) for ns in edge_ns for s in PUBLIC}
    for ns, t, p in sorted(edges - scraped - public, key=str):
        errors.append(f"{variant}: namespace {ns} may reach {t}:{p}")
    for ns, t, p in sorted((scraped | public) - edges, key=str):
        errors.append(f"{variant}: namespace {ns} cannot reach {t}:{p}")
    for pol in [o for o in objs if o.get("kind") == "NetworkPolicy"]:
        for rule in pol["spec"].get("egress") or []:
            for peer in rule.get("to") or []:
                block = peer.get("ipBlock")
                if block and (block.get("cidr") != "0.0.0.0/0" or set(block.get("except") or []) != STRIPE_EXCEPT):
                    errors.append(f"{variant}: {cc.name_of(pol)}: egress to {block} must exclude the private ranges")
                if block and cc.pod_spec(cc.find(objs, "Deployment", "payments") or {}) is not None:
                    sel = pol["spec"].get("podSelector") or {}
                    if sel != {"matchLabels": {"app": "payments"}} or rule.get("ports") != [{"port": 443}]:
                        errors.append(f"{variant}: {cc.name_of(pol)}: only payments may leave the cluster, on 443")
                ns = _ns_name(peer) if "namespaceSelector" in peer else None
                if ns == DNS_NS and [p.get("port") for p in rule.get("ports") or []] != [53, 53]:
                    errors.append(f"{variant}: {cc.name_of(pol)}: kube-system only for DNS (53)")
    return errors


# -- rollouts (production) ----------------------------------------------------------------


def check_rollouts(objs: list[dict], variant: str) -> list[str]:
    if variant != "production":
        return []
    errors = []
    pdbs = [o for o in objs if o.get("kind") == "PodDisruptionBudget"]
    for sts in [o for o in objs if o.get("kind") == "StatefulSet"]:
        if not any(cc.selects(p["spec"].get("selector"), cc.pod_labels(sts)) for p in pdbs):
            errors.append(f"{variant}: {cc.name_of(sts)} has no PodDisruptionBudget")
    for w in [o for o in objs if o.get("kind") in ("Deployment", "StatefulSet") and o["spec"].get("replicas", 1) > 1]:
        app = cc.pod_labels(w).get("app")
        zones = [
            t
            for t in (cc.pod_spec(w) or {}).get("topologySpreadConstraints") or []
            if t.get("topologyKey") == "topology.kubernetes.io/zone"
            and (t.get("labelSelector") or {}).get("matchLabels") == {"app": app}
        ]
        if not zones:
            errors.append(f"{variant}: {cc.name_of(w)} is not spread across zones (topologySpreadConstraints)")
    hpas = [o for o in objs if o.get("kind") == "HorizontalPodAutoscaler"]
    for svc in cc.SERVICES:
        dep = cc.find(objs, "Deployment", svc)
        mine = [h for h in hpas if (h["spec"].get("scaleTargetRef") or {}).get("name") == svc]
        if len(mine) != 1:
            errors.append(f"{variant}: Deployment/{svc} needs one HorizontalPodAutoscaler, found {len(mine)}")
            continue
        spec = mine[0]["spec"]
        if spec["scaleTargetRef"].get("kind") != "Deployment":
            errors.append(f"{variant}: {cc.name_of(mine[0])} must scale the Deployment")
        metrics = [m.get("resource", {}).get("name") for m in spec.get("metrics") or [] if m.get("type") == "Resource"]
        if metrics != ["cpu"]:
            errors.append(f"{variant}: {cc.name_of(mine[0])} must scale on CPU")
        replicas = (dep or {}).get("spec", {}).get("replicas", 1)
        if spec.get("minReplicas") != replicas or spec.get("maxReplicas", 0) <= replicas:
            errors.append(f"{variant}: {cc.name_of(mine[0])} must run from the Deployment's {replicas} replicas upwards")
    return errors


def check_security(objs: list[dict], variant: str, readme: str) -> list[str]:
    return (
        check_network_policies(objs, variant)
        + check_credentials(objs, variant)
        + check_nats_users(objs, variant, event_table(readme))
        + check_rollouts(objs, variant)
    )
