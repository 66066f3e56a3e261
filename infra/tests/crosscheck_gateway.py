"""The cross-check's rules for an overlay whose edge is a Gateway (production).

- no Ingress beside it; one Gateway with an HTTP listener on 80 and an HTTPS
  listener on 443 for ticketing.dev, TLS ending there with a Secret that a
  cert-manager Certificate (for that host, from an Issuer in the output) fills;
- an HTTPRoute on the HTTP listener that only redirects to HTTPS (301);
- an HTTPRoute on the HTTPS listener with contract §1's table: PathPrefix
  matches, each to its Service on 3000, which exists; and one rule that
  matches the ops paths (PathPrefix, so a trailing slash too) and rewrites
  them to an /api path on the client, which answers 404 (contract 8: not
  public).
"""

from __future__ import annotations

import crosscheck as cc

HOST = "ticketing.dev"


def check_gateway(objs: list[dict], variant: str) -> list[str]:
    errors = []
    if cc.find_kind(objs, "Ingress"):
        errors.append(f"{variant}: an Ingress beside the Gateway: one edge only")
    gateways = cc.find_kind(objs, "Gateway")
    if len(gateways) != 1:
        return errors + [f"{variant}: expected one Gateway, found {len(gateways)}"]
    gw = gateways[0]
    where = f"{variant}: {cc.name_of(gw)}"
    listeners = {ls.get("name"): ls for ls in gw["spec"].get("listeners") or []}
    http, https = listeners.get("http") or {}, listeners.get("https") or {}
    if (http.get("protocol"), http.get("port"), http.get("hostname")) != ("HTTP", 80, HOST):
        errors.append(f"{where}: needs listener http: HTTP on 80 for {HOST}")
    if (https.get("protocol"), https.get("port"), https.get("hostname")) != ("HTTPS", 443, HOST):
        errors.append(f"{where}: needs listener https: HTTPS on 443 for {HOST}")
    tls = https.get("tls") or {}
    refs = tls.get("certificateRefs") or []
    secret = refs[0].get("name") if len(refs) == 1 and refs[0].get("kind", "Secret") == "Secret" else None
    if tls.get("mode", "Terminate") != "Terminate" or secret is None:
        errors.append(f"{where}: HTTPS must end at the Gateway with one certificate Secret")
    certs = [c for c in cc.find_kind(objs, "Certificate") if c["spec"].get("secretName") == secret]
    if len(certs) != 1 or HOST not in (certs[0]["spec"].get("dnsNames") or []):
        errors.append(f"{where}: no cert-manager Certificate for {HOST} fills Secret {secret}")
    for cert in certs:
        ref = cert["spec"].get("issuerRef") or {}
        if ref.get("kind", "Issuer") == "Issuer" and cc.find(objs, "Issuer", ref.get("name", "")) is None:
            errors.append(f"{variant}: {cc.name_of(cert)}: Issuer {ref.get('name')} is not in the output")

    routes = cc.find_kind(objs, "HTTPRoute")

    def on(section: str) -> list[dict]:
        return [
            r
            for r in routes
            if any(
                p.get("name") == gw["metadata"]["name"] and p.get("sectionName") == section
                for p in r["spec"].get("parentRefs") or []
            )
        ]

    redirects = on("http")
    rule = ((redirects[0]["spec"].get("rules") or [{}])[0]) if len(redirects) == 1 else {}
    redirect = ((rule.get("filters") or [{}])[0]).get("requestRedirect") or {}
    if (
        len(redirects) != 1
        or len(redirects[0]["spec"].get("rules") or []) != 1
        or rule.get("matches")
        or rule.get("backendRefs")
        or redirect.get("scheme") != "https"
        or redirect.get("statusCode") != 301
    ):
        errors.append(f"{where}: plain HTTP must only redirect to HTTPS (one HTTPRoute, a 301 for every path)")
    served = on("https")
    if len(served) != 1:
        return errors + [f"{where}: expected one HTTPRoute on the https listener, found {len(served)}"]
    route = served[0]
    if route["spec"].get("hostnames") != [HOST]:
        errors.append(f"{variant}: {cc.name_of(route)}: hostnames must be [{HOST}]")
    rules = route["spec"].get("rules") or []
    ops = [r for r in rules if is_ops_rule(r)]
    if len(ops) != 1:
        errors.append(
            f"{variant}: {cc.name_of(route)}: needs one rule sending exactly {OPS_PATHS} to the client "
            "rewritten to an /api/ path (contract 8: the ops routes are not public)"
        )
    got = []
    for r in rules:
        if is_ops_rule(r):
            continue
        matches, backends = r.get("matches") or [], r.get("backendRefs") or []
        path = (matches[0].get("path") or {}) if len(matches) == 1 else {}
        backend = backends[0] if len(backends) == 1 else {}
        got.append((path.get("value"), path.get("type"), backend.get("name"), backend.get("port")))
    want = [(path, "PathPrefix", svc, 3000) for path, svc in cc.INGRESS_PATHS]
    if got != want:
        errors.append(f"{variant}: {cc.name_of(route)}: rules are {got}, the contract's are {want}")
    for _, _, svc, port in got:
        service = cc.find(objs, "Service", str(svc))
        if service is None or port not in [p.get("port") for p in service["spec"].get("ports") or []]:
            errors.append(f"{variant}: {cc.name_of(route)} goes to {svc}:{port}, a missing Service port")
    return errors


# Contract 8: the client's operational routes, answered 404 at the edge.
OPS_PATHS = ["/metrics", "/healthz", "/readyz"]


def is_ops_rule(rule: dict) -> bool:
    """Prefix matches on every ops path, rewritten whole to an /api/ path, to the client."""
    matches = rule.get("matches") or []
    prefixes = [m.get("path") or {} for m in matches if (m.get("path") or {}).get("type") == "PathPrefix"]
    exact = sorted(p.get("value") for p in prefixes)
    rewrites = [
        ((f.get("urlRewrite") or {}).get("path") or {}) for f in rule.get("filters") or [] if f.get("type") == "URLRewrite"
    ]
    backends = [(b.get("name"), b.get("port")) for b in rule.get("backendRefs") or []]
    return (
        len(matches) == len(OPS_PATHS)
        and exact == sorted(OPS_PATHS)
        and len(rewrites) == 1
        and rewrites[0].get("type") == "ReplaceFullPath"
        and str(rewrites[0].get("replaceFullPath", "")).startswith("/api/")
        and backends == [("client", 3000)]
    )
