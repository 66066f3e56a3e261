// Validates the custom resources kubernetes-validate has no schema for — the
// Gateway API's, cert-manager's and the Prometheus Operator's — against their
// CRDs' OpenAPI schemas, compiled into validators by the npm packages
// @kubernetes-models/gateway-api, @kubernetes-models/cert-manager and
// @kubernetes-models/prometheus-operator (versions in scripts/check-deploy.sh).
//
//   node infra/tests/validate-crds.mjs NODE_MODULES OBJECTS.json...
//
// Each OBJECTS.json is a JSON array of rendered objects (check-deploy.sh
// converts the YAML). Objects of other groups are skipped; a kind of these
// groups without a validator fails. The CRD schemas do not forbid unknown
// fields (the API server prunes them), so neither does this.
import path from "node:path";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
const models = {
  "gateway.networking.k8s.io/v1": ["gateway-api", ["Gateway", "GatewayClass", "HTTPRoute", "GRPCRoute"]],
  "cert-manager.io/v1": ["cert-manager", ["Certificate", "Issuer", "ClusterIssuer"]],
  "monitoring.coreos.com/v1": ["prometheus-operator", ["ServiceMonitor", "PodMonitor", "PrometheusRule"]],
};
let failed = 0;
let checked = 0;
for (const file of files) {
  for (const obj of JSON.parse(readFileSync(file, "utf8"))) {
    const group = models[obj.apiVersion];
    const where = `${path.basename(file, ".json")}: ${obj.kind}/${obj.metadata?.name}`;
    if (!group && /gateway\.networking\.k8s\.io|cert-manager\.io|monitoring\.coreos\.com/.test(obj.apiVersion)) {
      console.error(`${where}: ${obj.apiVersion} is not a version this check knows`);
      failed++;
      continue;
    }
    if (!group) continue;
    const [pkg, kinds] = group;
    if (!kinds.includes(obj.kind)) {
      console.error(`${where}: no validator for kind ${obj.kind}`);
      failed++;
      continue;
    }
    const module = path.join(modules, "@kubernetes-models", pkg, obj.apiVersion.split("/")[0], "v1", `${obj.kind}.js`);
    const Model = (await import(pathToFileURL(module).href))[obj.kind];
    try {
      new Model(obj).validate();
      checked++;
    } catch (error) {
      console.error(`${where}: ${error.message}`);
      failed++;
    }
  }
}
console.error(`    ${checked} Gateway API / cert-manager / Prometheus Operator object(s) valid, ${failed} problem(s)`);
process.exit(failed ? 1 : 0);
