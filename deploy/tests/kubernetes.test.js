// Every object `kubectl kustomize` renders from deploy/kubernetes is checked against its schema:
// Kubernetes' own (kubernetes-models) and KEDA's for the ScaledObject and TriggerAuthentication.
// Then the rules the deployment relies on, which no schema states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));

function render(overlay) {
  const text = execFileSync('kubectl', ['kustomize', `deploy/kubernetes/overlays/${overlay}`], { cwd: root, encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS());
}

async function modelOf(object) {
  const module = object.apiVersion.startsWith('keda.sh/')
    ? await import(`@kubernetes-models/keda/${object.apiVersion}`)
    : await import(`kubernetes-models/${object.apiVersion}`);
  const Model = module[object.kind];
  assert.ok(Model, `no schema for ${object.apiVersion} ${object.kind}`);
  return new Model(object);
}

const objects = render('production');
const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);

test('every rendered object is valid against its schema', async () => {
  assert.ok(objects.length >= 15);
  for (const object of objects) {
    const model = await modelOf(object);
    assert.doesNotThrow(() => model.validate(), `${object.kind} ${object.metadata.name}`);
  }
});

test('every service has readiness on /health, liveness on /alive, requests and limits, and runs as non-root', () => {
  for (const name of ['zmarty-api', 'zmarty-worker', 'zmarty-admin']) {
    const pod = named('Deployment', name).spec.template.spec;
    const [container] = pod.containers;
    assert.equal(container.readinessProbe.httpGet.path, '/health', name);
    assert.equal(container.livenessProbe.httpGet.path, '/alive', name);
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory, name);
    assert.equal(pod.securityContext.runAsNonRoot, true, name);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false, name);
    assert.ok(named('PodDisruptionBudget', name), `${name} has a PodDisruptionBudget`);
  }
});

test('secrets are references only: no Secret object and no literal credential in the manifests', () => {
  assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0);
  const text = JSON.stringify(objects);
  assert.doesNotMatch(text, /Password=|whsec_|sk-[A-Za-z0-9]/);
  for (const name of ['zmarty-api', 'zmarty-worker', 'zmarty-admin']) {
    const [container] = named('Deployment', name).spec.template.spec.containers;
    assert.ok(container.envFrom.some((e) => e.secretRef?.name === name), `${name} reads its own Secret`);
  }
});

test('the api scales on CPU and the worker on the depth of its pgmq queues', () => {
  const hpa = named('HorizontalPodAutoscaler', 'zmarty-api');
  assert.equal(hpa.spec.scaleTargetRef.name, 'zmarty-api');
  assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
  const scaled = named('ScaledObject', 'zmarty-worker');
  assert.equal(scaled.spec.scaleTargetRef.name, 'zmarty-worker');
  const [trigger] = scaled.spec.triggers;
  assert.equal(trigger.type, 'postgresql');
  for (const queue of ['ingest_indicators', 'compute_signals', 'compute_winrate']) {
    assert.match(trigger.metadata.query, new RegExp(`pgmq\\.q_${queue}\\b`));
  }
  assert.ok(named('TriggerAuthentication', trigger.authenticationRef.name));
  // A scaled-down worker returns its jobs within the grace period (Queues:ShutdownGraceSeconds is 10).
  assert.ok(named('Deployment', 'zmarty-worker').spec.template.spec.terminationGracePeriodSeconds > 10);
});

test('network policies select the pods they mean', () => {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  assert.ok(policies.length >= 2);
  const pods = objects.filter((o) => o.kind === 'Deployment').map((d) => d.spec.template.metadata.labels);
  const defaults = named('NetworkPolicy', 'zmarty-default');
  for (const labels of pods) {
    for (const [key, value] of Object.entries(defaults.spec.podSelector.matchLabels)) {
      assert.equal(labels[key], value, `${labels['app.kubernetes.io/name']} is under the default policy`);
    }
  }
});
