// docs/deploy.md against the files it describes: every Secret the manifests read is listed with its keys, every key
// Render asks a service for is in the same service's Secret on Kubernetes, the connection totals are the ones the
// files add up to, and every command in it runs from the repository's root as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blueprint, kubernetesConnections, render, renderConnections, root } from './manifests.js';

const docs = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
const objects = render('deploy/kubernetes/overlays/production');

function section(heading) {
  const start = docs.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/deploy.md has a section ${heading}`);
  const end = docs.indexOf('\n## ', start + 1);
  return docs.slice(start, end < 0 ? undefined : end);
}

// The Kubernetes section's table of Secrets: name → the keys named in its row.
function secretTable() {
  const rows = new Map();
  for (const line of section('Kubernetes').split('\n')) {
    const row = /^\| `([a-z0-9-]+)` \| (.*) \|$/.exec(line);
    if (row) rows.set(row[1], new Set([...row[2].matchAll(/`([A-Za-z0-9_]+)`/g)].map((m) => m[1])));
  }
  return rows;
}

test('every Secret the manifests read is listed, with the keys they name', () => {
  const table = secretTable();
  const referenced = new Map();
  const add = (name, key) => referenced.set(name, [...(referenced.get(name) ?? []), ...(key ? [key] : [])]);
  for (const object of objects) {
    const pod = object.kind === 'Deployment' ? object.spec.template.spec : undefined;
    for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      for (const source of container.envFrom ?? []) if (source.secretRef) add(source.secretRef.name);
    }
    for (const pull of pod?.imagePullSecrets ?? []) add(pull.name);
    for (const target of object.kind === 'TriggerAuthentication' ? object.spec.secretTargetRef : []) add(target.name, target.key);
    for (const tls of object.kind === 'Ingress' ? object.spec.tls : []) add(tls.secretName);
  }
  assert.ok(referenced.size >= 6);
  for (const [name, keys] of referenced) {
    assert.ok(table.has(name), `docs/deploy.md lists the Secret ${name}`);
    for (const key of keys) assert.ok(table.get(name).has(key), `${name} lists ${key}`);
  }
});

test('every key Render asks a service for is in that service\'s Secret on Kubernetes', () => {
  const table = secretTable();
  for (const service of blueprint().services) {
    for (const variable of service.envVars.filter((v) => v.sync === false || v.generateValue === true)) {
      const secret = variable.key.startsWith('Migrate__') ? 'zmarty-migrate' : service.name;
      assert.ok(table.get(secret)?.has(variable.key), `${secret} lists ${variable.key}, which Render asks ${service.name} for`);
    }
  }
});

test('the connection totals in the docs are the ones the files add up to', () => {
  const row = /^\| \*\*per project\*\* \|.*\| \*\*(\d+)\*\* \|.*\| \*\*(\d+)\*\* \|$/m.exec(section('Supabase projects'));
  assert.ok(row, 'the Connections table has its per-project row');
  assert.equal(Number(row[1]), renderConnections(blueprint()).total, 'Render');
  assert.equal(Number(row[2]), kubernetesConnections(objects).total, 'Kubernetes');
});

// A path the repository has, as a command names it.
const repositoryPath = /^(?:\.\/)?(?:deploy|docs|supabase|clients|Zmarty[\w.]*|render\.yaml|zmarty)(?:\/[\w./-]*)?$/;

test('every command runs from the root as written: no cd but in a subshell, and every path it names exists', () => {
  const blocks = [...docs.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 4);
  let checked = 0;
  for (const block of blocks) {
    for (const line of block.replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.trim())) {
      const command = line.replace(/\s+#.*$/, '').trim();
      assert.doesNotMatch(command, /^cd\s/, `${command}: a cd would change where the next command runs`);
      const subshell = /^\(cd (\S+) && (.*)\)$/.exec(command);
      const [directory, rest] = subshell ? [join(root, subshell[1]), subshell[2]] : [root, command];
      assert.ok(existsSync(directory), `${command}: ${directory}`);
      for (const word of rest.split(/\s+/).map((w) => w.replace(/^["']|["',;]$/g, ''))) {
        const relativeToSubshell = subshell && /\.(ya?ml|sh|example)$/.test(word);
        if (repositoryPath.test(word) || relativeToSubshell) {
          assert.ok(existsSync(join(directory, word)), `${command}: ${word} does not exist`);
          checked += 1;
        }
      }
    }
  }
  assert.ok(checked >= 8, `${checked} paths checked`);
});
