// What the checks read: the repository's root, the objects an overlay renders, and render.yaml.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export function render(overlayDirectory, cwd = root) {
  const text = execFileSync('kubectl', ['kustomize', overlayDirectory], { cwd, encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS());
}

export function blueprint(directory = root) {
  return parse(readFileSync(join(directory, 'render.yaml'), 'utf8'));
}

// Every image a rendered pod runs, its init containers' included.
export function images(objects) {
  return objects
    .filter((o) => o.kind === 'Deployment')
    .flatMap((d) => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers])
    .map((c) => c.image);
}

// The server connections one Supabase project sees at full scale (docs/deploy.md, "Connections"). Every service uses
// one pool size for both projects, so A's count is B's, but for KEDA's scaler, which reads B only.
export function kubernetesConnections(objects) {
  const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const pool = (name) => {
    const [container] = named('Deployment', name).spec.template.spec.containers;
    return Number(container.env?.find((e) => e.name === 'Database__MaxPoolSize')?.value);
  };
  const surge = (name, replicas) => {
    const strategy = named('Deployment', name).spec.strategy;
    if (strategy?.type === 'Recreate') return 0;
    const maxSurge = strategy?.rollingUpdate?.maxSurge ?? '25%';
    return typeof maxSurge === 'number' ? maxSurge : Math.ceil((replicas * parseInt(maxSurge, 10)) / 100);
  };
  const replicas = {
    'zmarty-api': named('HorizontalPodAutoscaler', 'zmarty-api').spec.maxReplicas,
    'zmarty-worker': named('ScaledObject', 'zmarty-worker').spec.maxReplicaCount,
    'zmarty-admin': named('Deployment', 'zmarty-admin').spec.replicas,
  };
  // A pod still in its migration holds one connection, fewer than its pool: counting pools covers it.
  const services = Object.entries(replicas)
    .map(([name, n]) => ({ name, pool: pool(name), connections: (n + surge(name, n)) * pool(name) }));
  return { services, total: services.reduce((sum, s) => sum + s.connections, 0) + 1 };
}

export function renderConnections(file) {
  const value = (service, key) => Number(service.envVars.find((v) => v.key === key)?.value);
  const services = file.services.map((s) => ({
    name: s.name,
    pool: value(s, 'Database__MaxPoolSize'),
    connections: (s.scaling?.maxInstances ?? s.numInstances) * value(s, 'Database__MaxPoolSize'),
  }));
  // And the pre-deploy migrator's one connection.
  return { services, total: services.reduce((sum, s) => sum + s.connections, 0) + 1 };
}
