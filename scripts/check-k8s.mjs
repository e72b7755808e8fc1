// Validates Kubernetes manifests (as `helm template` prints them, on stdin) against the API's JSON
// schemas (kubernetes-models: Kubernetes 1.27's OpenAPI, and prometheus-operator's CRDs), then
// checks what a schema cannot: selectors that select the pods, probes on /health and /ready.
// Usage: helm template x deploy/helm/switchyard | node scripts/check-k8s.mjs
import { readFileSync } from 'node:fs';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';

const MODELS = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

const problems = [];
const resources = parseAllDocuments(readFileSync(0, 'utf8'))
  .map((doc) => doc.toJS())
  .filter(Boolean);
for (const resource of resources) {
  const kind = `${resource.apiVersion}/${resource.kind}`;
  const Model = MODELS[kind];
  if (!Model) {
    problems.push(`${kind}: no schema known for this kind`);
    continue;
  }
  try {
    new Model(resource).validate();
  } catch (error) {
    problems.push(`${kind} ${resource.metadata?.name}: ${error.message}`);
  }
}

const deployment = resources.find((r) => r.kind === 'Deployment');
const podLabels = deployment?.spec?.template?.metadata?.labels ?? {};
const selects = (selector = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
if (!deployment) problems.push('no Deployment');
else {
  if (!selects(deployment.spec.selector?.matchLabels)) problems.push('Deployment: selector does not match its pods');
  const container = deployment.spec.template.spec.containers[0];
  if (container?.livenessProbe?.httpGet?.path !== '/health') problems.push('Deployment: liveness probe is not /health');
  if (container?.readinessProbe?.httpGet?.path !== '/ready') problems.push('Deployment: readiness probe is not /ready');
}
for (const r of resources) {
  if (r.kind === 'Service' && !selects(r.spec.selector)) problems.push(`Service ${r.metadata.name}: selects no pod`);
  if (r.kind === 'PodDisruptionBudget' && !selects(r.spec.selector?.matchLabels))
    problems.push(`PodDisruptionBudget ${r.metadata.name}: selects no pod`);
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`${resources.length} resources valid: ${resources.map((r) => r.kind).join(', ')}`);
