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
