// Every object `kubectl kustomize` renders from deploy/kubernetes is checked against its schema:
// Kubernetes' own (kubernetes-models) and KEDA's for the ScaledObject and TriggerAuthentication.
// Then the rules the deployment relies on, which no schema states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blueprint, images, kubernetesConnections, render } from './manifests.js';

async function modelOf(object) {
  const module = object.apiVersion.startsWith('keda.sh/')
    ? await import(`@kubernetes-models/keda/${object.apiVersion}`)
    : await import(`kubernetes-models/${object.apiVersion}`);
  const Model = module[object.kind];
  assert.ok(Model, `no schema for ${object.apiVersion} ${object.kind}`);
  return new Model(object);
}

const services = ['zmarty-api', 'zmarty-worker', 'zmarty-admin'];
const objects = render('deploy/kubernetes/overlays/production');
const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const podOf = (name) => named('Deployment', name).spec.template.spec;
const envOf = (container, name) => container.env?.find((e) => e.name === name)?.value;

// The server connections Zmarty may hold in one Supabase project on the smallest paid compute, Micro: 60 direct
// connections (supabase.com/docs/guides/platform/compute-add-ons), at most 80 % of them the pooler's
// (supabase.com/docs/guides/database/connection-management). Each service uses one pool size for both projects.
const microPoolBudget = 48;

test('every rendered object is valid against its schema', async () => {
  assert.ok(objects.length >= 16);
  for (const object of objects) {
    const model = await modelOf(object);
    assert.doesNotThrow(() => model.validate(), `${object.kind} ${object.metadata.name}`);
  }
});

test('every service has readiness on /health, liveness on /alive, requests and limits, and runs as non-root', () => {
  for (const name of services) {
    const pod = podOf(name);
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
  for (const name of services) {
    const [container] = podOf(name).containers;
    assert.ok(container.envFrom.some((e) => e.secretRef?.name === name), `${name} reads its own Secret`);
  }
});

test('every pod migrates A and B first, with the api image, and only that container reads the owner credentials', () => {
  const apiImage = podOf('zmarty-api').containers[0].image;
  for (const name of services) {
    const pod = podOf(name);
    const [migrate, ...others] = pod.initContainers ?? [];
    assert.equal(migrate?.name, 'migrate', `${name} starts with the migration`);
    assert.equal(others.length, 0, name);
    assert.equal(migrate.image, apiImage, `${name}'s migration runs the api image`);
    assert.deepEqual(migrate.args, ['migrate'], name);
    assert.equal(migrate.command, undefined, `${name}'s migration keeps the image's entry point`);
    assert.deepEqual(migrate.envFrom, [{ secretRef: { name: 'zmarty-migrate' } }], name);
    // The namespace enforces the restricted Pod Security Standard on init containers too.
    assert.equal(migrate.securityContext.allowPrivilegeEscalation, false, name);
    assert.deepEqual(migrate.securityContext.capabilities.drop, ['ALL'], name);
    assert.ok(migrate.resources.limits.memory, name);
    for (const container of pod.containers) {
      assert.doesNotMatch(JSON.stringify(container), /zmarty-migrate|Migrate__/, `${name}/${container.name}`);
    }
  }
  assert.equal(objects.filter((o) => o.kind === 'Job').length, 0, 'one migration mechanism, not two');
});

test('the production overlay runs one pinned release from ghcr.io, pulled with ghcr-zmarty, the tag render.yaml pins', () => {
  const tags = new Set();
  for (const image of images(objects)) {
    const match = /^ghcr\.io\/zmarty\/(api|worker|admin)(?::([0-9][0-9A-Za-z._-]*)|@(sha256:[0-9a-f]{64}))$/.exec(image);
    assert.ok(match, `${image} is not ghcr.io/zmarty/<image>:<version> or @sha256`);
    tags.add(match[2] ?? match[3]);
  }
  assert.equal(tags.size, 1, `one release: ${[...tags]}`);
  assert.ok(!tags.has('latest'));
  for (const name of services) {
    assert.deepEqual(podOf(name).imagePullSecrets, [{ name: 'ghcr-zmarty' }], name);
  }
  const renderTags = new Set(blueprint().services.map((s) => s.image.url.replace(/^[^:@]+[:@]/, '')));
  assert.deepEqual([...renderTags], [...tags], 'render.yaml and the overlay pin the same release');
});

test('an Ingress serves the api and the admin over TLS, each on a host of its own', () => {
  const ingresses = objects.filter((o) => o.kind === 'Ingress');
  assert.equal(ingresses.length, 1);
  const [ingress] = ingresses;
  const hostOf = new Map();
  for (const rule of ingress.spec.rules) {
    assert.ok(rule.host, 'every rule names its host');
    for (const path of rule.http.paths) {
      const { name, port } = path.backend.service;
      const service = named('Service', name);
      assert.ok(service, `${name} is a Service`);
      assert.ok(service.spec.ports.some((p) => p.name === port.name || p.port === port.number), `${name} has the port`);
      assert.equal(path.path, '/');
      hostOf.set(name, rule.host);
    }
  }
  assert.deepEqual([...hostOf.keys()].sort(), ['zmarty-admin', 'zmarty-api']);
  assert.notEqual(hostOf.get('zmarty-api'), hostOf.get('zmarty-admin'));
  const tlsHosts = ingress.spec.tls.flatMap((t) => t.hosts);
  for (const host of hostOf.values()) {
    assert.ok(tlsHosts.includes(host), `${host} is served over TLS`);
  }
  assert.ok(ingress.spec.tls.every((t) => t.secretName));
  // The controller reaches the pods' port: the policy that admits HTTP selects both.
  const httpIn = named('NetworkPolicy', 'zmarty-http-in');
  assert.deepEqual(httpIn.spec.podSelector.matchExpressions[0].values.sort(), ['zmarty-admin', 'zmarty-api']);
});

test('the api scales on CPU and the worker on the messages ready in its pgmq queues', () => {
  const hpa = named('HorizontalPodAutoscaler', 'zmarty-api');
  assert.equal(hpa.spec.scaleTargetRef.name, 'zmarty-api');
  assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
  const scaled = named('ScaledObject', 'zmarty-worker');
  assert.equal(scaled.spec.scaleTargetRef.name, 'zmarty-worker');
  const [trigger] = scaled.spec.triggers;
  assert.equal(trigger.type, 'postgresql');
  for (const queue of ['ingest_indicators', 'compute_signals', 'compute_winrate']) {
    // A message read by a Worker is invisible until its vt: counting it would add replicas for work already taken.
    assert.match(trigger.metadata.query, new RegExp(`from pgmq\\.q_${queue} where vt <= now\\(\\)`));
  }
  assert.equal(trigger.metadata.query.match(/from pgmq\./g).length, 3, 'every count is filtered');
  assert.ok(named('TriggerAuthentication', trigger.authenticationRef.name));
  // A scaled-down worker returns its jobs within the grace period (Queues:ShutdownGraceSeconds is 10).
  assert.ok(podOf('zmarty-worker').terminationGracePeriodSeconds > 10);
});

test('the worker delivers to the api through its Service', () => {
  const [worker] = podOf('zmarty-worker').containers;
  const [host, port] = envOf(worker, 'Relay__ApiHostPort').split(':');
  const service = named('Service', host);
  assert.ok(service, `${host} is a Service`);
  assert.ok(service.spec.ports.some((p) => p.port === Number(port)), `${host} serves ${port}`);
});

test('connections at full scale, rollouts included, fit the smallest paid compute', () => {
  const { services: pools, total } = kubernetesConnections(objects);
  for (const { name, pool } of pools) {
    assert.ok(pool >= 1, `${name} sets Database__MaxPoolSize`);
  }
  assert.ok(total <= microPoolBudget, `${total} connections per project, more than ${microPoolBudget}`);
  const [worker] = podOf('zmarty-worker').containers;
  const workerPool = pools.find((s) => s.name === 'zmarty-worker').pool;
  assert.ok(workerPool >= 3 * Number(envOf(worker, 'Queues__Concurrency')), 'a Worker holds about 3 connections per job');
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
