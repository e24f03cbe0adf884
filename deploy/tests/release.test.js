// deploy/release.sh on a copy of the files it pins: --dry-run prints the build and push it would run, and the copy's
// render.yaml and production overlay then name the new release, which kubectl renders into every pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blueprint, images, render, root } from './manifests.js';

function copyOfTheRepository(t) {
  const directory = mkdtempSync(join(tmpdir(), 'zmarty-release-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  cpSync(join(root, 'render.yaml'), join(directory, 'render.yaml'));
  cpSync(join(root, 'deploy/kubernetes'), join(directory, 'deploy/kubernetes'), { recursive: true });
  return directory;
}

function release(args) {
  const env = { ...process.env, ZMARTY_IMAGE_BASE: '' };
  return spawnSync('bash', [join(root, 'deploy/release.sh'), ...args], { encoding: 'utf8', env });
}

const overlay = 'deploy/kubernetes/overlays/production';

test('a release pins render.yaml and the production overlay to its version and prints the build and pushes', (t) => {
  const copy = copyOfTheRepository(t);
  const before = readFileSync(join(root, 'render.yaml'), 'utf8');
  const run = release(['1.10', '--dry-run', '--root', copy]);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.split('\n');
  assert.ok(lines.includes('ZMARTY_VERSION=1.10 ZMARTY_IMAGE_REPOSITORY=ghcr.io/zmarty ./zmarty images'), run.stdout);
  for (const image of ['api', 'worker', 'admin']) {
    assert.ok(lines.includes(`podman push ghcr.io/zmarty/${image}:1.10`), `${image} is pushed`);
  }
  assert.deepEqual(blueprint(copy).services.map((s) => s.image.url).sort(),
    ['ghcr.io/zmarty/admin:1.10', 'ghcr.io/zmarty/api:1.10', 'ghcr.io/zmarty/worker:1.10']);
  // 1.10 stays a string in the overlay: unquoted, YAML would read the number 1.1.
  assert.deepEqual(new Set(images(render(overlay, copy))),
    new Set(['ghcr.io/zmarty/admin:1.10', 'ghcr.io/zmarty/api:1.10', 'ghcr.io/zmarty/worker:1.10']));
  assert.equal(readFileSync(join(root, 'render.yaml'), 'utf8'), before, 'the checkout itself is untouched');
});

test('a release pinned by digest is pinned by tag again', (t) => {
  const copy = copyOfTheRepository(t);
  const digest = `sha256:${'a'.repeat(64)}`;
  const text = readFileSync(join(copy, 'render.yaml'), 'utf8').replace(/(ghcr\.io\/zmarty\/api):[^\s]+/, `$1@${digest}`);
  writeFileSync(join(copy, 'render.yaml'), text);
  assert.equal(release(['2.0.0', '--dry-run', '--root', copy]).status, 0);
  assert.ok(blueprint(copy).services.every((s) => s.image.url.endsWith(':2.0.0')));
});

test('anything but a version is refused before a file changes', (t) => {
  const copy = copyOfTheRepository(t);
  const pinned = readFileSync(join(copy, 'render.yaml'), 'utf8');
  for (const args of [[], ['latest'], ['v1.2.0'], ['1.2 3'], ['1.2.0', '--push'], ['1.2.0', '2.0.0']]) {
    const run = release([...args, '--dry-run', '--root', copy]);
    assert.equal(run.status, 2, `${JSON.stringify(args)}: ${run.stdout}`);
  }
  assert.equal(readFileSync(join(copy, 'render.yaml'), 'utf8'), pinned);
});
