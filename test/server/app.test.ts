// The model app in-process (fastify inject, no socket): every route and every error path.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, Batcher, fromMlflow, HTTP_STATUS } from '../../src/model/app.js';
import type { AppOptions, LogRecord } from '../../src/model/app.js';
import { KeelError, UsageError } from '../../src/errors/index.js';
import { softmax, sumModel, textModel } from './models.js';
import type { TestModel } from './models.js';

function make(model: TestModel = sumModel(), opts: AppOptions = {}) {
  const logs: LogRecord[] = [];
  const built = buildApp(model, { log: (r) => logs.push(r), ...opts });
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    built.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  return { ...built, model, logs, post };
}

describe('MLEM routes', () => {
  test('POST /predict and /predict_proba: {"data": …} in, the bare result out', async () => {
    const { post, app } = make();
    const r = await post('/predict', { data: [[1, 2, 3], [0.5, 0.5]] });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), [6, 1]);
    const p = await post('/predict_proba', { data: [[0, 0], [1, 2]] });
    assert.equal(p.statusCode, 200);
    assert.deepEqual(p.json(), [softmax([0, 0]), softmax([1, 2])]);
    await app.close();
  });

  test("the guide's texts give [0|1] and [[p0, p1]]", async () => {
    const { post, app } = make(textModel());
    const r = await post('/predict', { data: ['Is this related to the R programming language?'] });
    assert.deepEqual(r.json(), [1]);
    const p = await post('/predict_proba', { data: ['This should not be related as I talk about dogs'] });
    assert.deepEqual(p.json(), [[1, 0]]);
    await app.close();
  });

  test('GET /interface.json lists the methods with their signatures (MLEM shape)', async () => {
    const { app, model } = make();
    const j = (await app.inject('/interface.json')).json();
    assert.deepEqual(Object.keys(j.methods), ['predict', 'predict_proba']);
    assert.equal(j.methods.predict.args[0].name, 'data');
    assert.deepEqual(j.methods.predict.returns.data_type, model.meta.methods[0].output);
    assert.equal(j.meta.name, 'sum');
    assert.equal(j.version, '0.1.0');
    await app.close();
  });

  test('GET / redirects to /docs; /docs is HTML loading swagger-ui from this server only', async () => {
    const { app } = make();
    const r = await app.inject('/');
    assert.equal(r.statusCode, 302);
    assert.equal(r.headers.location, '/docs');
    const d = await app.inject('/docs');
    assert.equal(d.statusCode, 200);
    assert.match(String(d.headers['content-type']), /text\/html/);
    for (const m of d.body.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(m[1], /^\/docs\//);
    const js = await app.inject('/docs/swagger-ui-bundle.js');
    assert.equal(js.statusCode, 200);
    assert.ok(js.body.length > 100_000);
    assert.equal((await app.inject('/docs/../../package.json')).statusCode, 404);
    assert.equal((await app.inject('/docs/index.js')).statusCode, 404);
    await app.close();
  });

  test('GET /openapi.json: a path per method with the sample as example', async () => {
    const { app } = make();
    const doc = (await app.inject('/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.paths['/predict'].post.requestBody.content['application/json'].example, { data: [[1, 2, 3]] });
    assert.ok(doc.paths['/predict_proba'].post);
    assert.ok(doc.paths['/invocations'].post);
    await app.close();
  });
});

describe('MLflow routes', () => {
  test('/invocations: dataframe_split, dataframe_records, instances, inputs, CSV → {"predictions": …}', async () => {
    const { post, app } = make();
    const want = { predictions: [3, 7] };
    assert.deepEqual((await post('/invocations', { dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3, 4]] } })).json(), want);
    assert.deepEqual((await post('/invocations', { dataframe_records: [{ a: 1, b: 2 }, { a: 3, b: 4 }] })).json(), want);
    assert.deepEqual((await post('/invocations', { instances: [[1, 2], [3, 4]] })).json(), want);
    assert.deepEqual((await post('/invocations', { inputs: [[1, 2], [3, 4]] })).json(), want);
    const csv = await app.inject({ method: 'POST', url: '/invocations', payload: 'a,b\n1,2\n3,4\n', headers: { 'content-type': 'text/csv' } });
    assert.deepEqual(csv.json(), want);
    await app.close();
  });

  test('/invocations for a text model: one-column frames become the texts', async () => {
    const { post, app } = make(textModel());
    const t = 'Is this related to the R programming language?';
    assert.deepEqual((await post('/invocations', { dataframe_split: { columns: ['text'], data: [[t]] } })).json(), { predictions: [1] });
    assert.deepEqual((await post('/invocations', { dataframe_records: [{ text: t }] })).json(), { predictions: [1] });
    assert.deepEqual((await post('/invocations', { instances: [t] })).json(), { predictions: [1] });
    await app.close();
  });

  test('/invocations with no or two payload keys → 400 naming the protocol', async () => {
    const { post, app } = make();
    const r = await post('/invocations', { data: [[1]] });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error.message, /exactly one of dataframe_split, dataframe_records, instances, inputs/);
    const two = await post('/invocations', { inputs: [[1]], instances: [[1]] });
    assert.equal(two.statusCode, 400);
    assert.match(two.json().error.message, /inputs and instances|instances and inputs/);
    await app.close();
  });

  test('/ping, /health ("\\n"), /version, HEAD /ping', async () => {
    const { app } = make(sumModel(), { version: '9.9.9' });
    for (const u of ['/ping', '/health']) {
      const r = await app.inject(u);
      assert.equal(r.statusCode, 200);
      assert.equal(r.body, '\n');
    }
    assert.equal((await app.inject({ method: 'HEAD', url: '/ping' })).statusCode, 200);
    assert.equal((await app.inject('/version')).body, '9.9.9');
    await app.close();
  });

  test('fromMlflow: records for a model whose rows are objects', () => {
    const schema = { type: 'array', items: { type: 'object', properties: { a: { type: 'number' } } } };
    assert.deepEqual(fromMlflow({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } }, schema), [{ a: 1, b: 2 }]);
    assert.deepEqual(fromMlflow({ dataframe_records: [{ a: 1 }] }, schema), [{ a: 1 }]);
  });
});

describe('metadata and operations', () => {
  test('GET /metadata is the lineage', async () => {
    const { app } = make();
    const j = (await app.inject('/metadata')).json();
    assert.equal(j.lineage.git.commit, '0123456789abcdef0123456789abcdef01234567');
    assert.equal(j.lineage.stage.name, 'train');
    assert.deepEqual(j.lineage.metrics, { avg_prec: 0.94, roc_auc: 0.96 });
    assert.equal(j.artifacts[0].path, 'model.mjs');
    await app.close();
  });

  test('/livez, /readyz; drain() turns /readyz to 503', async () => {
    const { app, drain } = make();
    assert.equal((await app.inject('/livez')).statusCode, 200);
    assert.equal((await app.inject('/readyz')).statusCode, 200);
    drain();
    assert.equal((await app.inject('/readyz')).statusCode, 503);
    assert.equal((await app.inject('/livez')).statusCode, 200);
    await app.close();
  });

  test('x-request-id: a sane one is echoed, a missing or unsafe one is replaced', async () => {
    const { app, logs } = make();
    const r = await app.inject({ url: '/livez', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(r.headers['x-request-id'], 'abc-123');
    const g = await app.inject('/livez');
    assert.match(String(g.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const bad = await app.inject({ url: '/livez', headers: { 'x-request-id': 'a b<script>' } });
    assert.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(logs.length, 3);
    assert.deepEqual(
      { ...logs[0], time: undefined, ms: undefined },
      { time: undefined, ms: undefined, level: 'info', msg: 'request', request_id: 'abc-123', method: 'GET', url: '/livez', route: '/livez', status: 200, bytes_in: 0 },
    );
    await app.close();
  });

  test('/metrics counts requests per route and records inference time and rows per call', async () => {
    const { app, post } = make();
    await post('/predict', { data: [[1], [2], [3]] });
    await post('/predict', { data: [[1]] });
    await app.inject('/nope');
    const text = (await app.inject('/metrics')).body;
    assert.match(text, /^keel_http_requests_total\{method="POST",route="\/predict",status="200"\} 2$/m);
    assert.match(text, /^keel_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
    assert.match(text, /^keel_inference_duration_seconds_count\{model_method="predict"\} 2$/m);
    assert.match(text, /^keel_batch_size_sum\{model_method="predict"\} 4$/m);
    assert.match(text, /^keel_http_request_duration_seconds_bucket\{method="POST",route="\/predict",le="\+Inf"\} 2$/m);
    await app.close();
  });
});

describe('errors', () => {
  test('malformed JSON, empty body, a body without "data" → 400 with a request id', async () => {
    const { post, app } = make();
    for (const body of ['{"data": [[1, 2]', '', '[1,2]', '{"x": 1}']) {
      const r = await post('/predict', body);
      assert.equal(r.statusCode, 400, body);
      const e = r.json().error;
      assert.equal(typeof e.message, 'string');
      assert.equal(e.request_id, r.headers['x-request-id']);
    }
    await app.close();
  });

  test('wrong types → 422 naming the field; hideSchemaErrors keeps the detail out', async () => {
    const { post, app } = make();
    const r = await post('/predict', { data: [[1, 'two']] });
    assert.equal(r.statusCode, 422);
    assert.equal(r.json().error.code, 'INVALID_INPUT');
    assert.match(r.json().error.message, /input for 'predict' does not match its signature: data\.0\.1 must be number/);
    assert.ok(r.json().error.details);
    const hidden = make(sumModel(), { hideSchemaErrors: true });
    const h = await hidden.post('/predict', { data: [[1, 'two']] });
    assert.equal(h.statusCode, 422);
    assert.equal(h.json().error.message, "input for 'predict' does not match its signature");
    assert.equal(h.json().error.details, undefined);
    assert.doesNotMatch(h.body, /number/);
    await app.close();
    await hidden.app.close();
  });

  test('no type coercion: "1" is not a number', async () => {
    const { post, app } = make();
    assert.equal((await post('/predict', { data: [['1']] })).statusCode, 422);
    await app.close();
  });

  test('body over the limit → 413', async () => {
    const { post, app } = make(sumModel(), { maxBodyBytes: 1000 });
    const r = await post('/predict', { data: [Array.from({ length: 500 }, () => 1)] });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().error.code, 'PAYLOAD_TOO_LARGE');
    await app.close();
  });

  test('unsupported content type → 415; unknown route → 404', async () => {
    const { app } = make();
    const r = await app.inject({ method: 'POST', url: '/predict', payload: 'x', headers: { 'content-type': 'application/xml' } });
    assert.equal(r.statusCode, 415);
    const n = await app.inject('/nope');
    assert.equal(n.statusCode, 404);
    assert.match(n.json().error.message, /no route GET \/nope/);
    await app.close();
  });

  test('a KeelError from the model maps through HTTP_STATUS; any other error → 500 without a stack', async () => {
    const model = sumModel();
    model.methods.predict = async (d) => {
      if ((d as number[][])[0][0] === 1) throw new UsageError('rows must not start with 1', { hint: 'start with 2' });
      throw new TypeError('boom at secret/path.ts:12');
    };
    const { post, app, logs } = make(model);
    const k = await post('/predict', { data: [[1]] });
    assert.equal(k.statusCode, HTTP_STATUS.USAGE);
    assert.deepEqual(k.json().error, { code: 'USAGE', message: 'rows must not start with 1', hint: 'start with 2', request_id: k.headers['x-request-id'] });
    const u = await post('/predict', { data: [[2]] });
    assert.equal(u.statusCode, 500);
    assert.equal(u.json().error.code, 'INTERNAL');
    assert.match(u.json().error.message, new RegExp(String(u.headers['x-request-id'])));
    assert.doesNotMatch(u.body, /boom|secret|at /);
    const err = logs.find((l) => l.level === 'error');
    assert.match(String(err?.error), /TypeError: boom/);
    await app.close();
  });

  test('every KeelError code has a status', () => {
    for (const [code, status] of Object.entries(HTTP_STATUS)) assert.ok(status >= 400 && status < 600, code);
    assert.equal(new KeelError('NOT_FOUND', 'x').code, 'NOT_FOUND');
  });

  test('inference timeout → 504', async () => {
    const { post, app } = make(sumModel({ delayMs: 300 }), { timeoutMs: 50 });
    const r = await post('/predict', { data: [[1]] });
    assert.equal(r.statusCode, 504);
    assert.match(r.json().error.message, /did not answer within 50 ms/);
    await app.close();
  });

  test('over the concurrency cap → 503 with Retry-After', async () => {
    const { post, app } = make(sumModel({ delayMs: 100 }), { maxConcurrency: 2 });
    const rs = await Promise.all([1, 2, 3, 4].map((i) => post('/predict', { data: [[i]] })));
    const codes = rs.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [200, 200, 503, 503]);
    const busy = rs.find((r) => r.statusCode === 503)!;
    assert.equal(busy.headers['retry-after'], '1');
    assert.equal(busy.json().error.code, 'OVERLOADED');
    await app.close();
  });

  test('bearer auth: 401 without or with a wrong token, 200 with it; probes stay open', async () => {
    const { post, app } = make(sumModel(), { token: 's3cret' });
    const no = await post('/predict', { data: [[1]] });
    assert.equal(no.statusCode, 401);
    assert.equal(no.headers['www-authenticate'], 'Bearer');
    assert.equal((await post('/predict', { data: [[1]] }, { authorization: 'Bearer nope' })).statusCode, 401);
    const ok = await post('/predict', { data: [[1]] }, { authorization: 'Bearer s3cret' });
    assert.equal(ok.statusCode, 200);
    assert.equal((await app.inject('/metadata')).statusCode, 401);
    for (const u of ['/livez', '/readyz', '/ping', '/health']) assert.equal((await app.inject(u)).statusCode, 200, u);
    await app.close();
  });

  test('a method named like a route, or missing its implementation, is refused', () => {
    const m = sumModel();
    m.meta.methods.push({ name: 'metrics', input: {}, output: {} });
    m.methods.metrics = async () => 1;
    assert.throws(() => buildApp(m), (e: unknown) => e instanceof UsageError && /'metrics' cannot be served/.test(e.message));
    const n = sumModel();
    delete n.methods.predict_proba;
    assert.throws(() => buildApp(n), /does not implement it/);
  });
});

describe('batching', () => {
  test('concurrent requests are merged into fewer model calls; each gets its own rows back', async () => {
    const model = sumModel();
    const { post, app, metrics } = make(model, { batchMaxSize: 64, batchMaxLatencyMs: 50 });
    const n = 16;
    const rs = await Promise.all(Array.from({ length: n }, (_, i) => post('/predict', { data: [[i, 1], [i, 2]] })));
    rs.forEach((r, i) => assert.deepEqual(r.json(), [i + 1, i + 2]));
    const calls = model.calls.filter((c) => c.method === 'predict');
    assert.ok(calls.length < n / 2, `${calls.length} model calls for ${n} requests`);
    assert.equal(calls.reduce((a, c) => a + c.rows, 0), 2 * n);
    assert.match(metrics.text(), new RegExp(`keel_batch_size_count\\{model_method="predict"\\} ${calls.length}\\n`));
    await app.close();
  });

  test('coalescing: requests already waiting share one call for batchable methods, with no wait; off for others and with coalesce: false', async () => {
    const run = async (batchable: boolean, opts: AppOptions) => {
      const model = sumModel();
      model.meta.methods[0].batchable = batchable;
      const { post, app } = make(model, opts);
      const n = 20;
      const t0 = performance.now();
      const rs = await Promise.all(Array.from({ length: n }, (_, i) => post('/predict', { data: [[i, 1]] })));
      const ms = performance.now() - t0;
      rs.forEach((r, i) => assert.deepEqual(r.json(), [i + 1]));
      // a lone request afterwards runs alone and at once
      assert.deepEqual((await post('/predict', { data: [[5, 5]] })).json(), [10]);
      await app.close();
      return { calls: model.calls.filter((c) => c.method === 'predict').map((c) => c.rows), ms };
    };
    const merged = await run(true, {});
    assert.ok(merged.calls.length < 10, `${merged.calls.length} calls for 20 requests: ${merged.calls}`);
    assert.equal(merged.calls.reduce((a, b) => a + b, 0), 21);
    assert.equal(merged.calls.at(-1), 1);
    assert.ok(merged.ms < 1000, 'no batching wait');
    assert.equal((await run(false, {})).calls.length, 21, 'not batchable: one call per request');
    assert.equal((await run(true, { coalesce: false })).calls.length, 21, 'coalesce: false');
  });

  test('Batcher: dispatches at maxSize, splits results, runs an oversized request alone, fails a whole batch together', async () => {
    const seen: number[] = [];
    const b = new Batcher(async (rows) => (seen.push(rows.length), rows.map((r) => (r as number) * 10)), 4, 1000);
    const out = await Promise.all([b.submit([1, 2]), b.submit([3, 4]), b.submit([5, 6, 7, 8, 9])]);
    assert.deepEqual(out, [[10, 20], [30, 40], [50, 60, 70, 80, 90]]);
    assert.deepEqual(seen.sort(), [4, 5]);
    const bad = new Batcher(async () => [1], 4, 5);
    const r = await Promise.allSettled([bad.submit([1]), bad.submit([2])]);
    assert.ok(r.every((x) => x.status === 'rejected' && /one result per row/.test(String(x.reason))));
  });
});
