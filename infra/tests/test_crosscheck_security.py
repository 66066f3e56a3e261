"""Proves that crosscheck_security.py's rules fire: each test breaks one thing.

    RENDERED_DIR=<dir> python -m unittest infra/tests/test_crosscheck_security.py
"""

from __future__ import annotations

import copy
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crosscheck as cc  # noqa: E402
import crosscheck_security as sec  # noqa: E402
from test_crosscheck import INPUTS, container, env_entry, obj, problems  # noqa: E402


def nats_auth(inputs: dict, variant: str) -> dict:
    return obj(inputs, variant, "ConfigMap", "nats-auth")["data"]


class Security(unittest.TestCase):
    def setUp(self) -> None:
        self.inputs = copy.deepcopy(INPUTS)

    def assertFlags(self, fragment: str) -> None:
        found = problems(self.inputs)
        self.assertTrue(
            any(fragment in p for p in found),
            f"expected a problem mentioning {fragment!r}, got {found or 'none'}",
        )

    def without(self, variant: str, kind: str, name: str) -> None:
        self.inputs["renders"][variant] = [
            o for o in self.inputs["renders"][variant] if (o["kind"], o["metadata"]["name"]) != (kind, name)
        ]

    # -- network policies

    def test_without_the_default_deny(self) -> None:
        self.without("production", "NetworkPolicy", "default-deny")
        self.assertFlags("production: no default-deny NetworkPolicy")

    def test_a_workload_without_a_policy(self) -> None:
        self.without("production", "NetworkPolicy", "default-deny")
        self.without("production", "NetworkPolicy", "from-scraper")
        self.assertFlags("production: Deployment/expiration is not covered by a NetworkPolicy (Ingress)")

    def test_a_service_reaching_another_services_store(self) -> None:
        pol = obj(self.inputs, "production", "NetworkPolicy", "auth-mongo")
        pol["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app": "tickets"}}})
        obj(self.inputs, "production", "NetworkPolicy", "tickets")["spec"]["egress"].append(
            {"to": [{"podSelector": {"matchLabels": {"app": "auth-mongo"}}}]}
        )
        self.assertFlags("let tickets reach auth-mongo:27017")

    def test_a_blocked_flow_of_the_diagram(self) -> None:
        self.without("base", "NetworkPolicy", "expiration-redis")
        self.assertFlags("block expiration -> expiration-redis:6379")

    def test_the_load_generator_reaching_more_than_the_api(self) -> None:
        for name, path in (("loadgen", ("egress", "to")), ("from-loadgen", None)):
            spec = obj(self.inputs, "observability", "NetworkPolicy", name)["spec"]
            selector = spec[path[0]][0][path[1]][0]["podSelector"] if path else spec["podSelector"]
            selector["matchExpressions"][0]["values"].append("expiration")
        self.assertFlags("observability: NetworkPolicies let loadgen reach expiration:3000")

    def test_spans_that_cannot_reach_jaeger(self) -> None:
        self.without("observability", "NetworkPolicy", "jaeger")
        self.assertFlags("observability: NetworkPolicies block otel-collector -> jaeger:4317")

    def test_the_nats_exporter_closed_to_the_scraper(self) -> None:
        self.without("observability", "NetworkPolicy", "nats-exporter")
        self.assertFlags("namespace monitoring cannot reach nats:7777")

    def test_the_nats_monitor_open_to_every_pod(self) -> None:
        del obj(self.inputs, "base", "NetworkPolicy", "nats-monitor")["spec"]["ingress"][0]["from"]
        self.assertFlags("NetworkPolicy/nats-monitor admits every source")

    def test_a_store_reachable_from_another_namespace(self) -> None:
        obj(self.inputs, "fake-stripe", "NetworkPolicy", "orders-mongo")["spec"]["ingress"].append(
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]}
        )
        self.assertFlags("namespace ingress-nginx may reach orders-mongo")

    def test_a_public_service_the_edge_cannot_reach(self) -> None:
        values = obj(self.inputs, "base", "NetworkPolicy", "from-edge")["spec"]["podSelector"]["matchExpressions"][0]
        values["values"].remove("orders")
        self.assertFlags("cannot reach orders:3000")

    def test_another_service_leaving_the_cluster(self) -> None:
        pol = copy.deepcopy(obj(self.inputs, "base", "NetworkPolicy", "payments"))
        pol["metadata"]["name"] = "tickets-out"
        pol["spec"]["podSelector"] = {"matchLabels": {"app": "tickets"}}
        self.inputs["renders"]["base"].append(pol)
        self.assertFlags("only payments may leave the cluster")

    # -- credentials

    def test_mongo_without_auth(self) -> None:
        container(self.inputs, "production", "StatefulSet", "orders-mongo")["args"].remove("--auth")
        self.assertFlags("production: StatefulSet/orders-mongo: mongod must run with --auth")

    def test_a_replica_set_without_a_key_file(self) -> None:
        args = container(self.inputs, "production", "StatefulSet", "auth-mongo")["args"]
        del args[args.index("--keyFile") : args.index("--keyFile") + 2]
        self.assertFlags("must authenticate each other (--keyFile)")

    def test_redis_without_a_password(self) -> None:
        args = container(self.inputs, "base", "StatefulSet", "expiration-redis")["args"]
        del args[args.index("--requirepass") : args.index("--requirepass") + 2]
        self.assertFlags("Redis needs --requirepass")

    def test_a_url_without_credentials(self) -> None:
        env_entry(container(self.inputs, "production", "Job", "nats-streams"), "NATS_URL")["value"] = "nats://nats:4222"
        self.assertFlags("Job/nats-streams: NATS_URL carries no credentials")

    def test_a_literal_password(self) -> None:
        entry = env_entry(container(self.inputs, "base", "Deployment", "orders"), "NATS_PASSWORD")
        del entry["valueFrom"]
        entry["value"] = "hunter2"
        self.assertFlags("NATS_PASSWORD has a literal value")

    def test_a_password_defined_after_its_url(self) -> None:
        c = container(self.inputs, "production", "Deployment", "tickets")
        password = env_entry(c, "DATABASE_PASSWORD")
        c["env"].remove(password)
        c["env"].append(password)
        self.assertFlags("Deployment/tickets: DATABASE_URL uses $(DATABASE_PASSWORD) before it is defined")

    def test_an_argument_without_its_variable(self) -> None:
        c = container(self.inputs, "base", "StatefulSet", "expiration-redis")
        c["env"] = []
        self.assertFlags("an argument uses $(REDIS_PASSWORD), which is not defined")

    def test_an_anonymous_nats_user(self) -> None:
        data = nats_auth(self.inputs, "base")
        data["auth.conf"] = "no_auth_user: tickets\n" + data["auth.conf"]
        self.assertFlags("no token, no anonymous user")

    # -- NATS users against the README

    def test_a_forged_payment(self) -> None:
        data = nats_auth(self.inputs, "production")
        data["auth.conf"] = data["auth.conf"].replace('"ticket.updated"', '"ticket.updated"\n"payment.created"')
        self.assertFlags("tickets may publish ['payment.created', 'ticket.created', 'ticket.updated']")

    def test_a_wildcard_publish(self) -> None:
        data = nats_auth(self.inputs, "base")
        data["auth.conf"] = data["auth.conf"].replace('"order.created"\n', '"order.*"\n', 1)
        self.assertFlags("orders may publish ['order.*', 'order.cancelled']")

    def test_the_readme_table_moving_an_event(self) -> None:
        self.inputs["readme"] = self.inputs["readme"].replace("| `expiration.complete` |", "| – |")
        self.assertFlags("expiration may publish ['expiration.complete'], the README's table says []")

    def test_missing_dead_letters(self) -> None:
        data = nats_auth(self.inputs, "base")
        data["auth.conf"] = data["auth.conf"].replace('"dlq.payments-service.>"', "")
        self.assertFlags("payments's dead letters must be exactly dlq.payments-service.>")

    def test_another_services_consumer(self) -> None:
        data = nats_auth(self.inputs, "base")
        data["auth.conf"] = data["auth.conf"].replace(
            "CONSUMER.MSG.NEXT.TICKETING.expiration-service", "CONSUMER.MSG.NEXT.TICKETING.orders-service"
        )
        self.assertFlags("expiration's JetStream subjects")

    def test_reading_every_inbox(self) -> None:
        data = nats_auth(self.inputs, "base")
        data["auth.conf"] = data["auth.conf"].replace('"_INBOX_orders.>"', '"_INBOX.>"')
        self.assertFlags("orders may subscribe to its own inbox _INBOX_orders.> only")

    def test_a_password_not_from_the_secret(self) -> None:
        data = nats_auth(self.inputs, "base")
        data["auth.conf"] = data["auth.conf"].replace("$NATS_PAYMENTS_PASSWORD", '"payments"')
        self.assertFlags("user payments's password must be a $VARIABLE")

    def test_production_without_the_users(self) -> None:
        cm = next(o for o in self.inputs["renders"]["production"] if o["metadata"]["name"].startswith("nats-config"))
        cm["data"]["nats.conf"] = cm["data"]["nats.conf"].replace("include ../nats-auth/auth.conf", "")
        self.assertFlags("production: StatefulSet/nats: NATS accepts anyone")

    def test_filters(self) -> None:
        self.assertTrue(sec.subject_matches("order.>", "order.created"))
        self.assertTrue(sec.subject_matches(None, "ticket.*"))
        self.assertFalse(sec.subject_matches("order.created", "order.cancelled"))
        self.assertFalse(sec.subject_matches("order.>", "order"))

    # -- images and Stripe

    def test_a_base_image_that_may_be_pulled(self) -> None:
        del container(self.inputs, "base", "Deployment", "tickets")["imagePullPolicy"]
        self.assertFlags("base: Deployment/tickets: imagePullPolicy must be Never")

    def test_production_without_the_publishable_key(self) -> None:
        env_entry(container(self.inputs, "production", "Deployment", "client"), "STRIPE_PUBLISHABLE_KEY")[
            "valueFrom"
        ]["secretKeyRef"]["optional"] = True
        self.assertFlags("STRIPE_PUBLISHABLE_KEY is required in production only")

    # -- the Gateway (production)

    def test_http_served_without_a_redirect(self) -> None:
        route = obj(self.inputs, "production", "HTTPRoute", "ticketing-redirect")
        route["spec"]["rules"][0] = {"backendRefs": [{"name": "client", "port": 3000}]}
        self.assertFlags("plain HTTP must only redirect to HTTPS")

    def test_a_route_out_of_the_contract(self) -> None:
        route = obj(self.inputs, "production", "HTTPRoute", "ticketing")
        route["spec"]["rules"][1]["backendRefs"][0]["name"] = "orders"
        self.assertFlags("HTTPRoute/ticketing: rules are")

    def test_a_certificate_for_another_host(self) -> None:
        obj(self.inputs, "production", "Certificate", "ticketing")["spec"]["dnsNames"] = ["example.com"]
        self.assertFlags("no cert-manager Certificate for ticketing.dev")

    def test_an_ingress_beside_the_gateway(self) -> None:
        self.inputs["renders"]["production"].append(copy.deepcopy(obj(self.inputs, "base", "Ingress", "ticketing")))
        self.assertFlags("an Ingress beside the Gateway")

    def test_ssr_back_through_the_edge(self) -> None:
        c = container(self.inputs, "production", "Deployment", "client")
        c["env"] = [e for e in c["env"] if e["name"] != "API_ROUTES"]
        self.assertFlags("API_ROUTES must send each API prefix to its service")

    # -- rollouts

    def test_a_statefulset_without_a_budget(self) -> None:
        self.without("production", "PodDisruptionBudget", "expiration-redis")
        self.assertFlags("StatefulSet/expiration-redis has no PodDisruptionBudget")

    def test_a_service_without_an_autoscaler(self) -> None:
        self.without("production", "HorizontalPodAutoscaler", "client")
        self.assertFlags("Deployment/client needs one HorizontalPodAutoscaler")

    def test_an_autoscaler_on_memory(self) -> None:
        hpa = obj(self.inputs, "production", "HorizontalPodAutoscaler", "orders")
        hpa["spec"]["metrics"][0]["resource"]["name"] = "memory"
        self.assertFlags("HorizontalPodAutoscaler/orders must scale on CPU")

    def test_a_replica_set_in_one_zone(self) -> None:
        del cc.pod_spec(obj(self.inputs, "production", "StatefulSet", "orders-mongo"))["topologySpreadConstraints"]
        self.assertFlags("StatefulSet/orders-mongo is not spread across zones")

    def test_an_autoscaler_below_the_replicas(self) -> None:
        obj(self.inputs, "production", "HorizontalPodAutoscaler", "auth")["spec"]["minReplicas"] = 1
        self.assertFlags("must run from the Deployment's 3 replicas upwards")


if __name__ == "__main__":
    assert cc  # imported for its side effect on sys.path order
    unittest.main()
