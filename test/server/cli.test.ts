// `keel serve` end to end: the BUILT CLI serves a JS model package (written with model/package.ts)
// on a free port, answers, and exits 0 on SIGTERM after finishing its in-flight request.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEEL_BIN, keel, keelSpawn } from '../helpers/cli.js';

const MODEL = `
export const signatures = {
  predict: { input: { type: 'array', items: { type: 'array', items: { type: 'number' } } }, output: { type: 'array', items: { type: 'number' } } },
};
export async function load() {
  return { methods: { predict: async (rows) => { await new Promise((r) => setTimeout(r, rows[0][0] === 99 ? 400 : 0)); return rows.map((r) => r.reduce((a, b) => a + b, 0)); } } };
}
`;

/** Write a package with model/package.ts, or say why the test must skip. */
async function writeJsPackage(dir: string): Promise<string | undefined> {
  let pkg: typeof import('../../src/model/package.js');
  try {
    pkg = await import('../../src/model/package.js');
  } catch (e) {
    return `model/package.ts is not loadable yet (${(e as Error).message})`;
  }
  writeFileSync(join(dir, 'model.mjs'), MODEL);
  const plan = await pkg.planFor(join(dir, 'model.mjs'), 'js');
  await pkg.writePackage({ out: join(dir, 'pkg'), plan, name: 'summer', sample: [[1, 2]] });
  return undefined;
}

describe('keel serve (CLI)', { skip: existsSync(KEEL_BIN) ? false : `${KEEL_BIN} missing: run npm run build` }, () => {
  test('usage errors: no directory, a token variable that is unset', () => {
    const r = keel(tmpdir(), ['serve']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /keel serve needs a model package directory/);
    const t = keel(tmpdir(), ['serve', '.', '--token-env', 'KEEL_TEST_UNSET_TOKEN'], { env: { KEEL_TEST_UNSET_TOKEN: '' } });
    assert.equal(t.code, 2);
    assert.match(t.stderr, /--token-env KEEL_TEST_UNSET_TOKEN: the environment variable is not set/);
    assert.match(keel(tmpdir(), ['serve', '--help']).stdout, /--batch-max-size/);
  });

  test('serves a package on a free port, logs JSON lines, stops cleanly on SIGTERM', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-serve-'));
    try {
      const why = await writeJsPackage(dir);
      if (why) return t.skip(why);
      const child = keelSpawn(dir, ['serve', 'pkg', '--port', '0', '--token-env', 'KEEL_TEST_TOKEN', '--max-concurrency', '8'], { env: { KEEL_TEST_TOKEN: 'abc' } });
      let stderr = '';
      let stdout = '';
      child.stdout.on('data', (c) => (stdout += c));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL within 10 s; stderr: ${stderr}`)), 10_000);
        child.stderr.on('data', (c) => {
          stderr += c;
          const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on('exit', (code) => reject(new Error(`keel serve exited ${code}: ${stderr}`)));
      });
      const auth = { 'content-type': 'application/json', authorization: 'Bearer abc' };
      const r = await fetch(`${url}/predict`, { method: 'POST', headers: auth, body: JSON.stringify({ data: [[1, 2, 3]] }) });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), [6]);
      assert.equal((await fetch(`${url}/predict`, { method: 'POST', body: '{}' })).status, 401);
      assert.equal((await (await fetch(`${url}/metadata`, { headers: auth })).json()).name, 'summer');
      // SIGTERM while a slow request is in flight: it still gets its answer, then keel exits 0
      const slow = fetch(`${url}/predict`, { method: 'POST', headers: auth, body: JSON.stringify({ data: [[99, 1]] }) });
      await new Promise((res) => setTimeout(res, 100));
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      child.kill('SIGTERM');
      assert.deepEqual(await (await slow).json(), [100]);
      assert.equal(await exited, 0);
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.length >= 4);
      assert.ok(lines.every((l) => typeof l.request_id === 'string' && typeof l.status === 'number'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
