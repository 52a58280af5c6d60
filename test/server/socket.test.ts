// The model app on a real socket (127.0.0.1:0) driven with fetch and raw TCP: the guide's requests,
// MLflow payloads, every rejection path while the server stays up, batching, metrics and a
// graceful shutdown (ops/serve close(), and SIGTERM through server/index.ts).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { serveModel } from '../../src/ops/serve.js';
import type { ServeOptions, Serving } from '../../src/ops/serve.js';
import { startServer } from '../../src/server/index.js';
import { sumModel, textModel } from './models.js';
import type { TestModel } from './models.js';

async function start(model: TestModel, opts: ServeOptions = {}): Promise<Serving> {
  return serveModel(model, { host: '127.0.0.1', port: 0, ...opts });
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

async function alive(s: Serving): Promise<void> {
  const r = await fetch(`${s.url}/livez`);
  assert.equal(r.status, 200);
}

/** A tiny Prometheus text-format (0.0.4) parser: throws on any line that is not valid. */
function parseProm(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m) {
      if (m[1] === 'TYPE') {
        assert.match(m[3], /^(counter|gauge|histogram|summary|untyped)$/);
        types.set(m[2], m[3]);
      }
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g)) labels[l[1]] = l[2];
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]) || types.has(family), `sample ${m[1]} has no # TYPE`);
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

describe('a real server on 127.0.0.1:0', () => {
  test("the guide's three requests and answers (shape)", async () => {
    const s = await start(textModel());
    try {
      assert.ok(s.port > 0);
      const a = await fetch(`${s.url}/predict`, json({ data: ['Is this related to the R programming language?'] }));
      assert.equal(a.status, 200);
      assert.deepEqual(await a.json(), [1]);
      const b = await (await fetch(`${s.url}/predict_proba`, json({ data: ['Is this related to the R programming language?'] }))).json();
      assert.equal(b.length, 1);
      assert.equal(b[0].length, 2);
      assert.ok(Math.abs(b[0][0] + b[0][1] - 1) < 1e-9 && b[0][1] > 0.5);
      assert.deepEqual(await (await fetch(`${s.url}/predict`, json({ data: ['This should not be related as I talk about dogs'] }))).json(), [0]);
      assert.deepEqual(await (await fetch(`${s.url}/predict_proba`, json({ data: ['This should not be related as I talk about dogs'] }))).json(), [[1, 0]]);
      const r = await fetch(`${s.url}/`, { redirect: 'manual' });
      assert.equal(r.status, 302);
      assert.equal(r.headers.get('location'), '/docs');
    } finally {
      await s.close();
    }
  });

  test('MLflow payload variants and probes', async () => {
    const s = await start(sumModel());
    try {
      for (const body of [{ dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } }, { dataframe_records: [{ a: 1, b: 2 }] }, { instances: [[1, 2]] }, { inputs: [[1, 2]] }]) {
        const r = await fetch(`${s.url}/invocations`, json(body));
        assert.equal(r.status, 200, JSON.stringify(body));
        assert.deepEqual(await r.json(), { predictions: [3] });
      }
      const csv = await fetch(`${s.url}/invocations`, { method: 'POST', body: 'a,b\n1,2\n', headers: { 'content-type': 'text/csv' } });
      assert.deepEqual(await csv.json(), { predictions: [3] });
      assert.equal(await (await fetch(`${s.url}/ping`)).text(), '\n');
      assert.equal((await fetch(`${s.url}/health`)).status, 200);
      assert.equal(await (await fetch(`${s.url}/version`)).text(), '0.1.0');
    } finally {
      await s.close();
    }
  });

  test('malformed JSON → 400, wrong types → 422, a 10 MB body → 413; the server stays up', async () => {
    const s = await start(sumModel());
    try {
      const bad = await fetch(`${s.url}/predict`, json('{"data": [[1,'));
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error.message, /JSON/i);
      const wrong = await fetch(`${s.url}/predict`, json({ data: [[true]] }));
      assert.equal(wrong.status, 422);
      assert.match((await wrong.json()).error.message, /data\.0\.0 must be number/);
      const big = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const payload = Buffer.alloc(10 << 20, 0x31); // ten MiB of '1'
        const req = request(`${s.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(payload);
      });
      assert.equal(big.status, 413);
      assert.equal(JSON.parse(big.body).error.code, 'PAYLOAD_TOO_LARGE');
      await alive(s);
    } finally {
      await s.close();
    }
  });

  test('slow clients get 408 after the request timeout while others are served', async () => {
    const s = await start(sumModel(), { timeoutMs: 400 });
    try {
      const t0 = Date.now();
      const slow = Array.from({ length: 20 }, () =>
        new Promise<string>((resolve) => {
          const sock = connect(s.port, '127.0.0.1', () => {
            sock.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"data":');
          });
          let got = '';
          sock.on('data', (c) => (got += c));
          sock.on('close', () => resolve(got));
          sock.on('error', () => resolve(got));
        }),
      );
      // a well-behaved client is served while 20 connections hang
      const ok = await fetch(`${s.url}/predict`, json({ data: [[1, 1]] }));
      assert.deepEqual(await ok.json(), [2]);
      const answers = await Promise.all(slow);
      const ms = Date.now() - t0;
      for (const a of answers) assert.match(a, /^HTTP\/1\.1 408/);
      assert.ok(ms < 3000, `slow clients were cut after ${ms} ms`);
      await alive(s);
    } finally {
      await s.close();
    }
  });

  test('inference timeout → 504; concurrency cap → 503', async () => {
    const s = await start(sumModel({ delayMs: 250 }), { timeoutMs: 100 });
    try {
      const r = await fetch(`${s.url}/predict`, json({ data: [[1]] }));
      assert.equal(r.status, 504);
      assert.equal((await r.json()).error.code, 'TIMEOUT');
    } finally {
      await s.close();
    }
    const c = await start(sumModel({ delayMs: 400 }), { maxConcurrency: 3 });
    try {
      const rs = await Promise.all(Array.from({ length: 10 }, () => fetch(`${c.url}/predict`, json({ data: [[1]] }))));
      const codes = rs.map((r) => r.status);
      assert.equal(codes.filter((x) => x === 200).length, 3);
      assert.equal(codes.filter((x) => x === 503).length, 7);
      await alive(c);
    } finally {
      await c.close();
    }
  });

  test('bearer auth 401/200 and x-request-id echo', async () => {
    const s = await start(sumModel(), { token: 'tok-123' });
    try {
      const no = await fetch(`${s.url}/predict`, json({ data: [[1]] }, { 'x-request-id': 'req-7' }));
      assert.equal(no.status, 401);
      assert.equal(no.headers.get('x-request-id'), 'req-7');
      assert.equal((await no.json()).error.request_id, 'req-7');
      const yes = await fetch(`${s.url}/predict`, json({ data: [[1, 2]] }, { authorization: 'Bearer tok-123', 'x-request-id': 'req-8' }));
      assert.equal(yes.status, 200);
      assert.equal(yes.headers.get('x-request-id'), 'req-8');
      assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    } finally {
      await s.close();
    }
  });

  test('/metrics parses as Prometheus text and counts the requests', async () => {
    const logs: Record<string, unknown>[] = [];
    const s = await start(sumModel(), { log: (r) => logs.push(r) });
    try {
      for (let i = 0; i < 5; i++) await fetch(`${s.url}/predict`, json({ data: [[i]] }));
      await fetch(`${s.url}/predict`, json({ data: 'x' }));
      const samples = parseProm(await (await fetch(`${s.url}/metrics`)).text());
      const count = (status: string) => samples.find((x) => x.name === 'keel_http_requests_total' && x.labels.route === '/predict' && x.labels.status === status)?.value;
      assert.equal(count('200'), 5);
      assert.equal(count('422'), 1);
      assert.equal(samples.find((x) => x.name === 'keel_inference_duration_seconds_count')?.value, 5);
      assert.ok(samples.some((x) => x.name === 'keel_requests_in_flight'));
      // one JSON log line per request
      assert.equal(logs.filter((l) => l.route === '/predict').length, 6);
    } finally {
      await s.close();
    }
  });

  test('batching merges concurrent requests into fewer model calls with correct results', async () => {
    const model = sumModel({ delayMs: 5 });
    const s = await start(model, { batchMaxSize: 32, batchMaxLatencyMs: 100 });
    try {
      const n = 24;
      const rs = await Promise.all(Array.from({ length: n }, (_, i) => fetch(`${s.url}/predict`, json({ data: [[i, 100]] })).then((r) => r.json())));
      rs.forEach((r, i) => assert.deepEqual(r, [i + 100]));
      assert.ok(model.calls.length <= n / 4, `${model.calls.length} model calls for ${n} requests`);
      assert.equal(model.calls.reduce((a, c) => a + c.rows, 0), n);
    } finally {
      await s.close();
    }
  });

  test('close(): in-flight requests finish, then the socket and the model close', async () => {
    const model = sumModel({ delayMs: 300 });
    const s = await start(model);
    const inflight = Array.from({ length: 5 }, (_, i) => fetch(`${s.url}/predict`, json({ data: [[i]] })).then(async (r) => ({ status: r.status, body: await r.json() })));
    // in flight = the model is running them (a fixed sleep raced slow connects on a loaded machine)
    for (let i = 0; i < 250 && model.calls.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(model.calls.length, 5);
    const closed = s.close();
    assert.equal((await s.app.app.inject('/readyz')).statusCode, 503);
    const results = await Promise.all(inflight);
    results.forEach((r, i) => assert.deepEqual(r, { status: 200, body: [i] }));
    await closed;
    assert.equal(model.closed, true);
    await assert.rejects(fetch(`${s.url}/livez`));
  });

  test('SIGTERM (server/index.ts startServer) drains in-flight requests', async () => {
    const model = sumModel({ delayMs: 300 });
    const s = await startServer('/unused', { host: '127.0.0.1', port: 0 }, async () => model);
    const inflight = Array.from({ length: 3 }, (_, i) => fetch(`${s.url}/predict`, json({ data: [[i, i]] })).then((r) => r.json()));
    for (let i = 0; i < 250 && model.calls.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(model.calls.length, 3);
    process.emit('SIGTERM');
    assert.deepEqual(await Promise.all(inflight), [[0], [2], [4]]);
    for (let i = 0; i < 50 && !model.closed; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(model.closed, true);
    await assert.rejects(fetch(`${s.url}/livez`));
    await s.close();
  });
});
