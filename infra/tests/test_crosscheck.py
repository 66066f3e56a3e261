"""Proves that crosscheck.py's rules fire: each test breaks one thing on purpose.

    RENDERED_DIR=<dir> python -m unittest infra/tests/test_crosscheck.py

RENDERED_DIR is the directory scripts/check-deploy.sh renders into; without it
the tests render infra/k8s and infra/overlays/* with `kubectl kustomize` ($KUBECTL).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crosscheck as cc  # noqa: E402


def rendered_dir() -> Path:
    if os.environ.get("RENDERED_DIR"):
        return Path(os.environ["RENDERED_DIR"])
    out = Path(tempfile.mkdtemp(prefix="crosscheck-test-"))
    kubectl = os.environ.get("KUBECTL", "kubectl")
    targets = {"base": cc.REPO / "infra/k8s"}
    targets |= {p.parent.name: p.parent for p in (cc.REPO / "infra/overlays").glob("*/kustomization.yaml")}
    for name, path in targets.items():
        with open(out / f"{name}.yaml", "w", encoding="utf-8") as f:
            subprocess.run([kubectl, "kustomize", str(path)], stdout=f, check=True)
    return out


INPUTS = cc.load_inputs(rendered_dir())


def problems(inputs: dict) -> list[str]:
    return [p for ps in cc.run_checks(inputs).values() for p in ps]


def obj(inputs: dict, variant: str, kind: str, name: str) -> dict:
    found = cc.find(inputs["renders"][variant], kind, name)
    assert found is not None, f"{variant}: {kind}/{name} not rendered"
    return found


def container(inputs: dict, variant: str, kind: str, name: str) -> dict:
    return cc.pod_spec(obj(inputs, variant, kind, name))["containers"][0]


def env_entry(c: dict, var: str) -> dict:
    return next(e for e in c["env"] if e["name"] == var)


class Crosscheck(unittest.TestCase):
    def setUp(self) -> None:
        self.inputs = copy.deepcopy(INPUTS)

    def assertFlags(self, fragment: str) -> None:
        found = problems(self.inputs)
        self.assertTrue(
            any(fragment in p for p in found),
            f"expected a problem mentioning {fragment!r}, got {found or 'none'}",
        )

    def test_the_files_as_they_are_pass(self) -> None:
        self.assertEqual(problems(self.inputs), [])

    # -- skaffold

    def test_an_artifact_that_no_manifest_uses(self) -> None:
        self.inputs["skaffold"]["build"]["artifacts"].append(
            {
                "image": "ticketing/extra",
                "context": ".",
                "docker": {"dockerfile": "docker/Dockerfile", "buildArgs": {"SERVICE": "extra"}},
            }
        )
        self.assertFlags("no manifest uses it")

    def test_a_manifest_image_that_skaffold_does_not_build(self) -> None:
        arts = self.inputs["skaffold"]["build"]["artifacts"]
        arts[:] = [a for a in arts if a["image"] != "ticketing/orders"]
        self.assertFlags("which skaffold does not build")

    def test_a_wrong_build_arg(self) -> None:
        self.inputs["skaffold"]["build"]["artifacts"][0]["docker"]["buildArgs"]["SERVICE"] = "tickets"
        self.assertFlags("buildArgs.SERVICE")

    def test_a_missing_dockerfile(self) -> None:
        self.inputs["dockerfiles"].discard("docker/client.Dockerfile")
        self.assertFlags("does not exist in docker/")

    def test_pushing_images(self) -> None:
        self.inputs["skaffold"]["build"]["local"]["push"] = True
        self.assertFlags("push must be false")

    def test_another_manifest_glob(self) -> None:
        self.inputs["skaffold"]["manifests"]["rawYaml"] = ["infra/k8s/*.yml"]
        self.assertFlags("manifests must be exactly")

    def test_a_profile_whose_image_is_not_deployed(self) -> None:
        profile = self.inputs["skaffold"]["profiles"][0]
        profile["patches"][0]["value"]["image"] = "ticketing/fake-stripe2"
        self.assertFlags("profile fake-stripe: skaffold builds ticketing/fake-stripe2")

    # -- skaffold's glob and the kustomization

    def test_a_file_missing_from_the_kustomization(self) -> None:
        self.inputs["kustomization"]["resources"].remove("nats.yaml")
        self.assertFlags("differ from the files skaffold's glob")

    def test_a_kustomization_yaml_in_the_glob(self) -> None:
        self.inputs["k8s_files"].append("kustomization.yaml")
        self.inputs["glob_docs"]["kustomization.yaml"] = [copy.deepcopy(self.inputs["kustomization"])]
        self.assertFlags("keep the name Kustomization")
        self.assertFlags("is not a Kubernetes object")

    def test_a_transform_in_the_base_kustomization(self) -> None:
        self.inputs["kustomization"]["namePrefix"] = "dev-"
        self.assertFlags("would make kustomize render differently")

    def test_the_base_render_drifting_from_the_glob(self) -> None:
        obj(self.inputs, "base", "Service", "auth")["metadata"]["labels"]["extra"] = "x"
        self.assertFlags("renders objects that differ")

    # -- services: environment

    def test_a_service_without_a_required_variable(self) -> None:
        c = container(self.inputs, "base", "Deployment", "tickets")
        c["env"] = [e for e in c["env"] if e["name"] != "JWT_KEY"]
        self.assertFlags("Deployment/tickets: JWT_KEY is not set")

    def test_a_misspelt_variable(self) -> None:
        env_entry(container(self.inputs, "base", "Deployment", "orders"), "NATS_URL")["name"] = "NATS_ULR"
        self.assertFlags("sets NATS_ULR, which orders does not read")

    def test_a_variable_the_service_does_not_read(self) -> None:
        container(self.inputs, "base", "Deployment", "expiration")["env"].append(
            {"name": "DATABASE_URL", "value": "mongodb://x"}
        )
        self.assertFlags("sets DATABASE_URL, which expiration does not read")

    def test_a_wrong_database_url(self) -> None:
        env_entry(container(self.inputs, "base", "Deployment", "payments"), "DATABASE_URL")["value"] = (
            "mongodb://orders-mongo:27017/payments"
        )
        self.assertFlags("Deployment/payments: DATABASE_URL is")

    def test_a_wrong_api_base_url(self) -> None:
        env_entry(container(self.inputs, "base", "Deployment", "client"), "API_BASE_URL")["value"] = (
            "http://localhost:3000"
        )
        self.assertFlags("Deployment/client: API_BASE_URL is")

    def test_setting_cookie_secure(self) -> None:
        container(self.inputs, "base", "Deployment", "auth")["env"].append({"name": "COOKIE_SECURE", "value": "false"})
        self.assertFlags("COOKIE_SECURE must be left at its default")

    def test_a_replica_set_url_without_the_replica_set(self) -> None:
        entry = env_entry(container(self.inputs, "production", "Deployment", "orders"), "DATABASE_URL")
        entry["value"] = entry["value"].split("?")[0]
        self.assertFlags("must carry replicaSet=rs0")

    def test_a_replica_set_url_missing_a_member(self) -> None:
        entry = env_entry(container(self.inputs, "production", "Deployment", "auth"), "DATABASE_URL")
        entry["value"] = (
            entry["value"].replace("auth-mongo-2.auth-mongo:27017,", "").replace(",auth-mongo-2.auth-mongo:27017", "")
        )
        self.assertFlags("are not the replica set's members")

    # -- services: shape

    def test_a_readiness_probe_on_the_wrong_path(self) -> None:
        container(self.inputs, "base", "Deployment", "auth")["readinessProbe"]["httpGet"]["path"] = "/healthz"
        self.assertFlags("readiness must GET /readyz")

    def test_a_liveness_probe_on_a_port_number(self) -> None:
        container(self.inputs, "fake-stripe", "Deployment", "orders")["livenessProbe"]["httpGet"]["port"] = 3000
        self.assertFlags("liveness must GET /healthz on port http")

    def test_a_probe_period(self) -> None:
        container(self.inputs, "base", "Deployment", "client")["livenessProbe"]["periodSeconds"] = 30
        self.assertFlags("liveness must run every 10 s")

    def test_wrong_resources(self) -> None:
        container(self.inputs, "base", "Deployment", "client")["resources"]["limits"]["memory"] = "128Mi"
        self.assertFlags("Deployment/client: resources must be")

    def test_three_replicas_in_the_base(self) -> None:
        obj(self.inputs, "base", "Deployment", "tickets")["spec"]["replicas"] = 3
        self.assertFlags("replicas is 3, the contract's is 2")

    def test_running_as_root(self) -> None:
        cc.pod_spec(obj(self.inputs, "base", "Deployment", "auth"))["securityContext"]["runAsNonRoot"] = False
        self.assertFlags("runAsNonRoot")

    def test_a_writable_root_filesystem_on_a_store(self) -> None:
        container(self.inputs, "base", "StatefulSet", "nats")["securityContext"]["readOnlyRootFilesystem"] = False
        self.assertFlags("StatefulSet/nats container nats: readOnlyRootFilesystem")

    def test_a_tagged_image_in_the_base(self) -> None:
        container(self.inputs, "base", "Deployment", "auth")["image"] = "ticketing/auth:latest"
        self.assertFlags("image must be exactly ticketing/auth")

    def test_an_unpinned_third_party_image(self) -> None:
        container(self.inputs, "production", "Job", "nats-streams")["image"] = "natsio/nats-box"
        self.assertFlags("must be pinned to a tag")

    def test_a_production_image_left_on_docker_hub(self) -> None:
        container(self.inputs, "production", "Deployment", "payments")["image"] = "ticketing/payments:0.1.0"
        self.assertFlags("must be <registry>/ticketing/payments:<tag>")

    def test_a_service_port(self) -> None:
        obj(self.inputs, "base", "Service", "orders")["spec"]["ports"][0]["port"] = 80
        self.assertFlags("Service/orders: must serve port 3000")

    # -- stores

    def test_a_mongo_image(self) -> None:
        container(self.inputs, "base", "StatefulSet", "tickets-mongo")["image"] = "mongo:8.0"
        self.assertFlags("image must be mongo:7.0")

    def test_a_mongo_service_that_is_not_headless(self) -> None:
        del obj(self.inputs, "base", "Service", "auth-mongo")["spec"]["clusterIP"]
        self.assertFlags("Service/auth-mongo must be headless")

    def test_nats_without_jetstream(self) -> None:
        container(self.inputs, "base", "StatefulSet", "nats")["args"].remove("-js")
        self.assertFlags("args must be -js -m 8222")

    def test_nats_storing_outside_its_volume(self) -> None:
        args = container(self.inputs, "base", "StatefulSet", "nats")["args"]
        args[args.index("-sd") + 1] = "/tmp"
        self.assertFlags("args must be -js -m 8222")

    def test_redis_without_appendonly(self) -> None:
        args = container(self.inputs, "base", "StatefulSet", "expiration-redis")["args"]
        args[args.index("--appendonly") + 1] = "no"
        self.assertFlags("--appendonly yes")

    def test_a_smaller_volume(self) -> None:
        sts = obj(self.inputs, "base", "StatefulSet", "nats")
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "1Gi"
        self.assertFlags("needs one 2Gi ReadWriteOnce volume claim template")

    def test_mongo_without_tmp(self) -> None:
        c = container(self.inputs, "base", "StatefulSet", "orders-mongo")
        c["volumeMounts"] = [m for m in c["volumeMounts"] if m["mountPath"] != "/tmp"]
        self.assertFlags("needs an emptyDir on /tmp")

    def test_a_replica_set_without_its_init_job(self) -> None:
        self.inputs["renders"]["production"] = [
            o for o in self.inputs["renders"]["production"] if o["metadata"]["name"] != "orders-mongo-init"
        ]
        self.assertFlags("replica set orders-mongo needs one init Job")

    def test_an_init_job_sized_unlike_its_replica_set(self) -> None:
        obj(self.inputs, "production", "StatefulSet", "payments-mongo")["spec"]["replicas"] = 5
        self.assertFlags("initiates 3 members, payments-mongo has 5")

    def test_nats_routes_that_miss_a_server(self) -> None:
        cm = next(o for o in self.inputs["renders"]["production"] if o["metadata"]["name"].startswith("nats-config"))
        cm["data"]["nats.conf"] = cm["data"]["nats.conf"].replace("nats://nats-2.nats-cluster:6222", "")
        self.assertFlags("nats routes")

    def test_nats_storing_jetstream_off_its_volume(self) -> None:
        cm = next(o for o in self.inputs["renders"]["production"] if o["metadata"]["name"].startswith("nats-config"))
        cm["data"]["nats.conf"] = cm["data"]["nats.conf"].replace("store_dir: /data", "store_dir: /tmp")
        self.assertFlags("store_dir on its volume")

    def test_a_statefulset_without_its_governing_service(self) -> None:
        self.inputs["renders"]["production"] = [
            o
            for o in self.inputs["renders"]["production"]
            if not (o["kind"] == "Service" and o["metadata"]["name"] == "nats-cluster")
        ]
        self.assertFlags("serviceName 'nats-cluster' is missing")

    # -- ingress

    def test_ingress_paths_out_of_order(self) -> None:
        ing = obj(self.inputs, "base", "Ingress", "ticketing")
        paths = ing["spec"]["rules"][0]["http"]["paths"]
        paths[0], paths[1] = paths[1], paths[0]
        self.assertFlags("paths are")

    def test_an_ingress_backend_on_another_port(self) -> None:
        ing = obj(self.inputs, "fake-stripe", "Ingress", "ticketing")
        ing["spec"]["rules"][0]["http"]["paths"][2]["backend"]["service"]["port"]["number"] = 80
        self.assertFlags("goes to a missing Service port")

    def test_an_ingress_path_type(self) -> None:
        ing = obj(self.inputs, "base", "Ingress", "ticketing")
        ing["spec"]["rules"][0]["http"]["paths"][4]["pathType"] = "ImplementationSpecific"
        self.assertFlags("paths are")

    def test_a_gateway_that_routes_the_ops_paths_to_the_client_as_they_are(self) -> None:
        route = obj(self.inputs, "production", "HTTPRoute", "ticketing")
        del route["spec"]["rules"][0]["filters"]
        self.assertFlags("the ops routes are not public")

    def test_a_gateway_without_one_ops_path(self) -> None:
        route = obj(self.inputs, "production", "HTTPRoute", "ticketing")
        route["spec"]["rules"][0]["matches"].pop()
        self.assertFlags("the ops routes are not public")

    def test_an_ingress_without_tls(self) -> None:
        del obj(self.inputs, "base", "Ingress", "ticketing")["spec"]["tls"]
        self.assertFlags("over TLS")

    # -- secrets

    def test_a_secret_in_the_repository(self) -> None:
        self.inputs["renders"]["base"].append(
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "jwt-secret"}, "stringData": {"JWT_KEY": "x"}}
        )
        self.assertFlags("is defined in the repository")

    def test_a_literal_key(self) -> None:
        entry = env_entry(container(self.inputs, "base", "Deployment", "payments"), "STRIPE_KEY")
        del entry["valueFrom"]
        entry["value"] = "sk_test_123"
        self.assertFlags("STRIPE_KEY has a literal value")

    def test_a_reference_to_the_wrong_key(self) -> None:
        entry = env_entry(container(self.inputs, "base", "Deployment", "auth"), "JWT_KEY")
        entry["valueFrom"]["secretKeyRef"]["key"] = "jwt"
        self.assertFlags("refers to unknown secret jwt-secret/jwt")

    # -- wiring

    def test_a_service_selector_typo(self) -> None:
        obj(self.inputs, "base", "Service", "expiration")["spec"]["selector"] = {"app": "expiraton"}
        self.assertFlags("Service/expiration selects no pods")

    def test_a_network_policy_admitting_a_missing_app(self) -> None:
        pol = obj(self.inputs, "production", "NetworkPolicy", "expiration-redis")
        pol["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app"] = "expirations"
        self.assertFlags("admits app 'expirations'")

    def test_a_budget_selecting_nothing(self) -> None:
        obj(self.inputs, "production", "PodDisruptionBudget", "nats")["spec"]["selector"]["matchLabels"]["app"] = "nat"
        self.assertFlags("PodDisruptionBudget/nats selects no pods")

    def test_a_missing_config_map(self) -> None:
        self.inputs["renders"]["production"] = [
            o for o in self.inputs["renders"]["production"] if o["kind"] != "ConfigMap"
        ]
        self.assertFlags("which is not in the output")

    def test_an_overlay_that_did_not_render(self) -> None:
        del self.inputs["renders"]["production"]
        self.assertFlags("production.yaml is missing")

    def test_an_unrendered_kustomization(self) -> None:
        self.inputs["renders"]["fake-stripe"].append(
            {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "metadata": {"name": "x"}}
        )
        self.assertFlags("unexpected kind")


if __name__ == "__main__":
    unittest.main()
