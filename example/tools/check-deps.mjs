#!/usr/bin/env node
/**
 * Checks that each stage of example/dvc.yaml lists, among its deps, exactly the compiled
 * scripts its command runs: the `dist/<stage>.js` of its `cmd` and every `dist/…` module that
 * one imports (transitively). A stage that forgot a module would not re-run when it changes.
 *
 *   node example/tools/check-deps.mjs [example-dir]     (after `npx tsc -p example/tsconfig.json`)
 *
 * Prints one line per problem and exits 1, or one OK line and exits 0. Uses keel's `yaml`
 * dependency, so run it from the keel repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const dir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const dvc = parse(readFileSync(join(dir, 'dvc.yaml'), 'utf8'));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function closure(entry) {
  const seen = new Set();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    const file = join(dir, f);
    if (!existsSync(file)) throw new Error(`${f} is missing: build first (npx tsc -p example/tsconfig.json)`);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      todo.push(posix.normalize(posix.join(posix.dirname(f), m[1] ?? m[2])));
    }
  }
  return seen;
}

const problems = [];
for (const [name, stage] of Object.entries(dvc.stages)) {
  const m = /^node (dist\/\S+\.js)\b/.exec(stage.cmd);
  if (!m) {
    problems.push(`${name}: cmd does not start with "node dist/….js"`);
    continue;
  }
  const want = closure(m[1]);
  const have = new Set((stage.deps ?? []).filter((d) => typeof d === 'string' && d.startsWith('dist/')));
  for (const f of want) if (!have.has(f)) problems.push(`${name}: deps lack ${f} (imported by ${m[1]})`);
  for (const f of have) if (!want.has(f)) problems.push(`${name}: deps list ${f}, which ${m[1]} does not import`);
}
if (problems.length) {
  for (const p of problems) process.stdout.write(`${p}\n`);
  process.exit(1);
}
process.stdout.write(`check-deps: OK (${Object.keys(dvc.stages).length} stages)\n`);
