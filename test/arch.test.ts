import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(repoRoot, 'scripts', 'check-arch.mjs');
const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function run(root?: string) {
  const r = spawnSync(process.execPath, [script, ...(root ? ['--root', root] : [])], { encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.trim().split('\n') };
}

/** A fake src/ tree: file → content. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'keel-arch-'));
  roots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, 'src', rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

test('check-arch flags each rule in a fake tree, and nothing else', () => {
  const root = tree({
    'errors/index.ts': 'export class E {}\n',
    'util/a.ts': "import { env } from '../config/index.js';\nexport const a = env;\n",
    'config/index.ts': 'export const env = () => process.env;\n',
    'storage/registry.ts': "import './local/index.js';\nexport const s3 = () => import('./s3/index.js');\n",
    'storage/local/index.ts': 'export const local = 1;\n',
    'storage/s3/index.ts': "import { S3Client } from '@aws-sdk/client-s3';\nexport { S3Client };\n",
    'storage/wrap/retry.ts': "import { local } from '../local/index.js';\nexport const r = local;\n",
    'data/x.ts': [
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import { p } from '../pipeline/p.js';",
      '// console.log("in a comment is fine")',
      'const s = "console.log and process.exit in a string are fine";',
      "const t = `import { x } from '../cli/main.js' in a template is fine`;",
      'const re = /["\'`]console\\.log/;',
      'export const x = [S3Client, p, s, t, re, process.env.HOME];',
      '',
    ].join('\n'),
    'pipeline/p.ts': "import { spawn } from 'node:child_process';\nexport const p = () => import('../cli/main.js');\nexport { spawn };\n",
    'pipeline/run.ts': "import { spawn } from 'node:child_process';\nexport { spawn };\n",
    'pipeline/q.ts': "import { m } from '../report/m.js';\nexport const q = m;\n",
    'report/m.ts': 'export const m = 1;\n',
    'git/g.ts': "import { execFile } from 'child_process';\nexport { execFile };\n",
    'ops/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'ops/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    'ops/c.ts': "import type { D } from './d.js';\nexport type C = { d?: D };\n",
    'ops/d.ts': "import type { C } from './c.js';\nexport type D = { c?: C };\n",
    'ops/e.ts': 'export function e(): void {\n  console.error(`x ${1}`);\n  if (process.argv.length) process.exit(1);\n}\n',
    'repo/r.ts': "export * from '../server/s.js';\n",
    'repo/r2.ts': "import { S3Client } from '../storage/s3/index.js';\nexport const r2 = S3Client;\n",
    'misc/z.ts': 'export const z = 1;\n',
    'server/s.ts': "import { a } from '../ops/a.js';\nconsole.log(a);\n",
    'cli/main.ts': "import { a } from '../ops/a.js';\nconsole.log(a);\nprocess.exit(process.env.X ? 0 : 1);\n",
    'index.ts': "export * from './ops/a.js';\n",
  });
  const { status, lines } = run(root);
  assert.equal(status, 1);
  const got = lines.filter((l) => !l.startsWith('check-arch:')).map((l) => l.split(' ').slice(0, 2).join(' '));
  assert.deepEqual(got.sort(), [
    'src/data/x.ts:1 R2',
    'src/data/x.ts:2 R3',
    'src/data/x.ts:7 R4',
    'src/ops/a.ts:1 R6',
    'src/ops/e.ts:2 R4',
    'src/ops/e.ts:3 R4',
    'src/ops/e.ts:3 R4',
    'src/pipeline/p.ts:1 R5',
    'src/pipeline/p.ts:2 R1',
    'src/pipeline/q.ts:1 LAYER',
    'src/repo/r.ts:1 R1',
    'src/repo/r2.ts:1 R2',
    'src/misc/z.ts:1 LAYER',
    'src/storage/wrap/retry.ts:1 R2',
    'src/util/a.ts:1 LAYER',
  ].sort());
  assert.ok(lines.some((l) => l === 'src/ops/a.ts:1 R6 import cycle: ops/a.ts -> ops/b.ts -> ops/a.ts'), lines.join('\n'));
  assert.match(lines.at(-1)!, /^check-arch: 15 violation\(s\)/);
});

test('check-arch passes on the real tree, quickly', () => {
  const started = Date.now();
  const { status, lines } = run();
  assert.equal(status, 0, lines.join('\n'));
  assert.match(lines.at(-1)!, /^check-arch: OK/);
  assert.ok(Date.now() - started < 3000);
});
