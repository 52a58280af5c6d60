/**
 * A loaded model → a fastify app: MLEM's routes (`POST /<method>` with `{"data": …}` → the bare
 * result, `/interface.json`, `/docs`, `/openapi.json`), MLflow's scoring routes (`/invocations`,
 * `/ping`, `/health`, `/version`), keel's `/metadata` (lineage) and the operations around them
 * (probes, Prometheus `/metrics`, request ids, JSON access logs, body limit, inference timeout,
 * concurrency cap, bearer auth, opt-in batching). Building the app never listens: tests call
 * `app.inject()`, and ops/serve.ts listens.
 *
 * Status codes: malformed JSON, a body that is not `{"data": …}` or an unknown MLflow payload → 400;
 * `data` that does not match the method's input schema → 422; no / wrong bearer token → 401; body
 * over `maxBodyBytes` → 413; over `maxConcurrency` in-flight model requests → 503 (Retry-After: 1);
 * inference over `timeoutMs` → 504; a KeelError thrown by the model → HTTP_STATUS[code]; anything
 * else → 500 with the request id and no stack (the stack goes to the log).
 *
 * Batching rule (opt-in, `batchMaxSize` > 1): requests to the same method whose `data` is an array
 * are queued; the queue is dispatched as ONE model call when its rows reach `batchMaxSize` or
 * `batchMaxLatencyMs` after its first request arrived. The call's input is the requests' `data`
 * arrays concatenated in arrival order; its result must be an array of the same length, and each
 * request gets back its own slice. A request larger than `batchMaxSize` runs alone. Non-array
 * `data` is never batched. If the batched call fails, every request in it gets the error.
 *
 * Coalescing (default on, `coalesce: false` turns it off; only for methods marked `batchable`,
 * whose rows are independent): the same merge with no wait. Requests queue up while the event
 * loop reads the sockets that are ready, and the queue is flushed by `setImmediate`, the point
 * where a lone request would have run anyway. Under load one model call serves many requests
 * (the per-call cost of onnxruntime dominates single-row calls); a lone request runs alone.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isKeelError, UsageError } from '../errors/index.js';
import type { ErrorCode } from '../errors/index.js';
import type { JsonSchema, LoadedModel, MethodSignature } from './types.js';

/** One line per request (and per unexpected error); a JSON-able record. */
export type LogRecord = Record<string, unknown>;

export interface AppOptions {
  /** keel's version for `/version` and `/interface.json` (default: the package's requirements.keel) */
  version?: string;
  /** structured log sink: one record per request, plus `level: 'error'` records with stacks */
  log?: (record: LogRecord) => void;
  /** say "input does not match the schema" without the validator's detail (default false) */
  hideSchemaErrors?: boolean;
  /** request body limit in bytes (default 1 MiB) → 413 */
  maxBodyBytes?: number;
  /** inference timeout in ms → 504; also the socket's whole-request timeout → 408 (default 30000) */
  timeoutMs?: number;
  /** most model requests in flight at once; more → 503 (default: unlimited) */
  maxConcurrency?: number;
  /** when set, every route but the probes needs `Authorization: Bearer <token>` → else 401 */
  token?: string;
  /** batching: most rows per model call (default 1 = off) */
  batchMaxSize?: number;
  /** batching: longest wait of a queued request before its batch is dispatched (default 5 ms) */
  batchMaxLatencyMs?: number;
  /**
   * Zero-wait coalescing of `batchable` methods (default true): requests that are already queued
   * when the event loop gets to the model run as one call. No request waits for another.
   */
  coalesce?: boolean;
}

/** The app plus what the serving edge needs: draining for /readyz and the metrics registry. */
export interface ModelApp {
  app: FastifyInstance;
  metrics: Metrics;
  /** mark the app as shutting down: /readyz answers 503 from now on */
  drain(): void;
}

/** The one table from KeelError codes to HTTP statuses (the server's edge of the error model). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  USAGE: 400,
  PATH: 400,
  FILE_FORMAT: 422,
  NOT_FOUND: 404,
  OUTPUT: 409,
  LOCKED: 409,
  CHECKOUT: 409,
  NOT_A_REPO: 500,
  CONFIG: 500,
  MISSING_CACHE: 500,
  CORRUPT: 500,
  PIPELINE: 500,
  GIT: 500,
  REMOTE: 502,
  AUTH: 502,
  CANCELLED: 503,
};

/** An error the app itself answers with: status, a stable code and a message for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const PROBES = new Set(['/livez', '/readyz', '/ping', '/health']);
const RESERVED = new Set(['docs', 'openapi.json', 'interface.json', 'invocations', 'ping', 'health', 'version', 'metadata', 'livez', 'readyz', 'metrics']);

/**
 * Build the HTTP app for `model` (not listening). Throws a UsageError when a method cannot be a
 * route (a reserved name such as `metrics`, or not an identifier) or has no implementation.
 */
export function buildApp(model: LoadedModel, opts: AppOptions = {}): ModelApp {
  const o = {
    version: opts.version ?? model.meta.requirements?.keel ?? 'unknown',
    log: opts.log ?? (() => {}),
    hideSchemaErrors: opts.hideSchemaErrors ?? false,
    maxBodyBytes: opts.maxBodyBytes ?? 1 << 20,
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxConcurrency: opts.maxConcurrency ?? Infinity,
    token: opts.token,
    batchMaxSize: opts.batchMaxSize ?? 1,
    batchMaxLatencyMs: opts.batchMaxLatencyMs ?? 5,
    coalesce: opts.coalesce ?? true,
  };
  for (const m of model.meta.methods) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m.name) || RESERVED.has(m.name)) throw new UsageError(`model method '${m.name}' cannot be served as a route: the name is reserved or not an identifier`, { hint: `rename the method; reserved: ${[...RESERVED].join(', ')}` });
    if (typeof model.methods[m.name] !== 'function') throw new UsageError(`model method '${m.name}' is in the signature but the loaded model does not implement it`);
  }
  const metrics = new Metrics();
  let draining = false;
  let inFlight = 0;
  const app = Fastify({
    logger: false,
    bodyLimit: o.maxBodyBytes,
    genReqId: (req) => requestId(req.headers['x-request-id']),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { strict: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true } },
    // The whole request (headers + body) must arrive within the timeout: slow clients get 408.
    serverFactory: (handler) =>
      createServer({ requestTimeout: o.timeoutMs, headersTimeout: Math.min(o.timeoutMs, 60_000), connectionsCheckingInterval: Math.min(1000, o.timeoutMs) }, handler),
  });
  const invoke = invoker(model, o, metrics);
  const inputSchemas = new Map(model.meta.methods.map((m) => [m.name, bodySchema(m.input)]));
  const validate = (req: FastifyRequest, method: string, data: unknown): void => {
    const fn = req.compileValidationSchema(inputSchemas.get(method)!);
    if (fn(data)) return;
    const errs = (fn.errors ?? []).slice(0, 5).map((e) => `data${e.instancePath.replace(/\//g, '.')} ${e.message ?? 'is invalid'}`);
    throw new HttpError(422, 'INVALID_INPUT', o.hideSchemaErrors ? `input for '${method}' does not match its signature` : `input for '${method}' does not match its signature: ${errs.join('; ')}`, o.hideSchemaErrors ? undefined : fn.errors?.slice(0, 5));
  };

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (o.token !== undefined && !PROBES.has(routeOf(req)) && !bearerOk(req.headers.authorization, o.token)) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'UNAUTHORIZED', 'missing or wrong bearer token (send Authorization: Bearer <token>)');
    }
  });
  // while draining, answers close their connection so keep-alive clients let the server stop
  app.addHook('onSend', async (_req, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    const seconds = reply.elapsedTime / 1000;
    const route = routeOf(req);
    metrics.request(req.method, route, reply.statusCode, seconds);
    o.log({ time: new Date().toISOString(), level: 'info', msg: 'request', request_id: req.id, method: req.method, url: req.url, route, status: reply.statusCode, ms: round(reply.elapsedTime), bytes_in: Number(req.headers['content-length'] ?? 0) });
  });
  app.setErrorHandler(async (err, req, reply) => {
    const { status, body } = toHttp(err, req.id);
    if (status >= 500 && !(err instanceof HttpError)) o.log({ time: new Date().toISOString(), level: 'error', msg: 'unhandled error', request_id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    if (status === 503) reply.header('retry-after', '1');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (req) => {
    throw new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}; see /docs or /interface.json`);
  });

  /** Run a model request under the concurrency cap. */
  const capped = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (inFlight >= o.maxConcurrency) throw new HttpError(503, 'OVERLOADED', `server is at its limit of ${o.maxConcurrency} concurrent requests; retry later`);
    inFlight++;
    metrics.inFlight(inFlight);
    try {
      return await fn();
    } finally {
      inFlight--;
      metrics.inFlight(inFlight);
    }
  };

  // MLEM: one route per method; `{"data": …}` in, the bare result out.
  for (const m of model.meta.methods) {
    app.post(`/${m.name}`, async (req) => {
      const body = req.body;
      if (!isObject(body) || !('data' in body)) throw new HttpError(400, 'BAD_REQUEST', `the body must be a JSON object {"data": …} (got ${describe(body)})`);
      validate(req, m.name, body.data);
      return capped(() => invoke(m.name, body.data));
    });
  }

  // MLflow scoring server.
  const mlflowSig = mlflowMethod(model);
  app.post('/invocations', async (req) => {
    if (mlflowSig === undefined) throw new HttpError(404, 'NOT_FOUND', 'the model has no methods');
    const data = fromMlflow(req.body, mlflowSig.input);
    validate(req, mlflowSig.name, data);
    return { predictions: await capped(() => invoke(mlflowSig.name, data)) };
  });
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, csvToSplit(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  const ping = async (_req: FastifyRequest, reply: FastifyReply) => reply.type('application/json').send('\n');
  app.get('/ping', ping);
  app.get('/health', ping);
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(o.version));

  // Discovery and lineage.
  const openapi = openApi(model, o);
  const iface = interfaceJson(model, o.version);
  app.get('/openapi.json', async () => openapi);
  app.get('/interface.json', async () => iface);
  app.get('/metadata', async () => {
    const { name, runtime, description, artifacts, requirements, lineage } = model.meta;
    return { name, runtime, description, artifacts, requirements, lineage };
  });
  app.get('/', async (_req, reply) => reply.redirect('/docs', 302));
  registerDocs(app, model.meta.name);

  // Operations.
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (draining ? reply.code(503).send({ status: 'draining' }) : { status: 'ready', model: model.meta.name }));
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.text()));

  return { app, metrics, drain: () => void (draining = true) };
}

// ---------------------------------------------------------------------------------------------
// Inference: timeout, metrics, batching.

type Opts = Required<Omit<AppOptions, 'token'>> & { token?: string };

function invoker(model: LoadedModel, o: Opts, metrics: Metrics): (method: string, data: unknown) => Promise<unknown> {
  const call = async (method: string, data: unknown): Promise<unknown> => {
    const t0 = process.hrtime.bigint();
    try {
      return await model.methods[method](data);
    } finally {
      metrics.inference(method, Number(process.hrtime.bigint() - t0) / 1e9, Array.isArray(data) ? data.length : 1);
    }
  };
  const batchers = new Map<string, Batcher>();
  const batchable = new Set(model.meta.methods.filter((m) => m.batchable).map((m) => m.name));
  const run = (method: string, data: unknown): Promise<unknown> => {
    if (!Array.isArray(data)) return call(method, data);
    let b = batchers.get(method);
    if (!b) {
      // opt-in batching waits up to batchMaxLatencyMs for more rows; coalescing never waits
      if (o.batchMaxSize > 1) b = new Batcher((rows) => call(method, rows), o.batchMaxSize, o.batchMaxLatencyMs);
      else if (o.coalesce && batchable.has(method)) b = new Batcher((rows) => call(method, rows), COALESCE_MAX_ROWS, 0);
      else return call(method, data);
      batchers.set(method, b);
    }
    return b.submit(data);
  };
  return (method, data) => withTimeout(run(method, data), o.timeoutMs, method);
}

/** Rows of one coalesced call at most (a bound on one call's memory and time). */
const COALESCE_MAX_ROWS = 256;

function withTimeout<T>(p: Promise<T>, ms: number, method: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return p;
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(504, 'TIMEOUT', `'${method}' did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface Pending {
  rows: unknown[];
  resolve: (v: unknown[]) => void;
  reject: (e: unknown) => void;
}

/** Merges concurrent calls of one method into one call over the concatenated rows (see the file doc). */
export class Batcher {
  private queue: Pending[] = [];
  private rows = 0;
  private timer: NodeJS.Timeout | undefined;
  /** maxLatencyMs 0: flush once the event loop has read every request that was ready */
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly fn: (rows: unknown[]) => Promise<unknown>,
    private readonly maxSize: number,
    private readonly maxLatencyMs: number,
  ) {}

  submit(rows: unknown[]): Promise<unknown[]> {
    if (rows.length >= this.maxSize) return this.dispatch([{ rows, resolve: () => {}, reject: () => {} }], true) as Promise<unknown[]>;
    if (this.rows + rows.length > this.maxSize) this.flush();
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.rows += rows.length;
      if (this.rows >= this.maxSize) this.flush();
      else if (this.maxLatencyMs <= 0) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.maxLatencyMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.immediate);
    this.immediate = undefined;
    const batch = this.queue;
    this.queue = [];
    this.rows = 0;
    if (batch.length) void this.dispatch(batch, false);
  }

  /** One model call for `batch`; `direct` returns the result instead of resolving the items. */
  private async dispatch(batch: Pending[], direct: boolean): Promise<unknown[] | void> {
    const all = batch.length === 1 ? batch[0].rows : batch.flatMap((p) => p.rows);
    let out: unknown;
    try {
      out = await this.fn(all);
      if (!Array.isArray(out) || out.length !== all.length) throw new Error(`batched call returned ${Array.isArray(out) ? out.length : typeof out} results for ${all.length} rows; batching needs one result per row`);
    } catch (e) {
      if (direct) throw e;
      for (const p of batch) p.reject(e);
      return;
    }
    if (direct) return out;
    let at = 0;
    for (const p of batch) {
      p.resolve(out.slice(at, at + p.rows.length));
      at += p.rows.length;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Errors → HTTP.

function toHttp(err: unknown, reqId: string): { status: number; body: { error: Record<string, unknown> } } {
  if (err instanceof HttpError) return { status: err.status, body: { error: { code: err.code, message: err.message, request_id: reqId, ...(err.details ? { details: err.details } : {}) } } };
  if (isKeelError(err)) return { status: HTTP_STATUS[err.code] ?? 500, body: { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), request_id: reqId } } };
  const e = err as { statusCode?: number; code?: string; message?: string };
  // fastify's own client errors: malformed JSON, empty body, 413, unsupported media type…
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && typeof e.code === 'string' && e.code.startsWith('FST_')) {
    return { status: e.statusCode, body: { error: { code: e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: e.message ?? 'bad request', request_id: reqId } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: `internal error; quote request id ${reqId} when reporting it`, request_id: reqId } } };
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const round = (x: number): number => Math.round(x * 1000) / 1000;
const describe = (v: unknown): string => (v === undefined ? 'no body' : Array.isArray(v) ? 'an array' : v === null ? 'null' : isObject(v) ? `an object with keys ${JSON.stringify(Object.keys(v).slice(0, 5))}` : typeof v);

/** The method MLflow's /invocations runs: `predict` when there is one, else the first. */
function mlflowMethod(model: LoadedModel): MethodSignature | undefined {
  return model.meta.methods.find((m) => m.name === 'predict') ?? model.meta.methods[0];
}

/** The route pattern (low-cardinality metrics label), or 'unmatched'. */
function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unmatched';
}

/** Echo a sane client id (≤ 128 chars of [A-Za-z0-9._:-]); otherwise make one. */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : randomUUID();
}

function bearerOk(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  // compare digests: equal length, constant time
  const a = createHash('sha256').update(m[1].trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The signature's input schema without draft markers the validator does not need. */
function bodySchema(input: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = input;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// MLflow payloads → the method's `data`.

/**
 * `dataframe_split` / `dataframe_records` / `instances` / `inputs` → rows shaped as the input
 * schema's items: objects (records), arrays (rows of values) or scalars (one column, e.g. texts).
 */
export function fromMlflow(body: unknown, input: JsonSchema): unknown {
  const keys = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'];
  const given = isObject(body) ? keys.filter((k) => k in body) : [];
  if (!isObject(body) || given.length !== 1) {
    throw new HttpError(400, 'BAD_REQUEST', `the body must be a JSON object with exactly one of ${keys.join(', ')} (MLflow 2 scoring protocol)${given.length > 1 ? `; got ${given.join(' and ')}` : ''}`);
  }
  const key = given[0];
  const v = body[key];
  if (key === 'inputs') return v;
  const items = (isObject(input.items) ? input.items : {}) as JsonSchema;
  const want = items.type === 'object' ? 'object' : items.type === 'array' ? 'array' : 'scalar';
  if (key === 'dataframe_split') {
    if (!isObject(v) || !Array.isArray(v.data)) throw new HttpError(400, 'BAD_REQUEST', 'dataframe_split needs {"columns": [...], "data": [[...], ...]}');
    const cols = Array.isArray(v.columns) ? (v.columns as unknown[]).map(String) : undefined;
    return (v.data as unknown[]).map((row) => shapeRow(Array.isArray(row) ? row : [row], cols, want));
  }
  if (!Array.isArray(v)) throw new HttpError(400, 'BAD_REQUEST', `${key} must be a JSON array`);
  if (key === 'dataframe_records') {
    return v.map((rec) => {
      if (!isObject(rec)) throw new HttpError(400, 'BAD_REQUEST', 'dataframe_records must be a list of objects');
      return want === 'object' ? rec : shapeRow(Object.values(rec), Object.keys(rec), want);
    });
  }
  // instances: rows as given; single-key objects unwrap to their value for scalar/array inputs
  return v.map((r) => (isObject(r) && want !== 'object' ? shapeRow(Object.values(r), Object.keys(r), want) : r));
}

function shapeRow(values: unknown[], cols: string[] | undefined, want: 'object' | 'array' | 'scalar'): unknown {
  if (want === 'object') {
    if (!cols) throw new HttpError(400, 'BAD_REQUEST', 'dataframe_split needs "columns" for a model whose rows are objects');
    return Object.fromEntries(cols.map((c, i) => [c, values[i]]));
  }
  if (want === 'scalar') {
    if (values.length !== 1) throw new HttpError(400, 'BAD_REQUEST', `the model takes one column per row; got ${values.length}`);
    return values[0];
  }
  return values;
}

/** A CSV body (header row + rows; numbers parsed) as an MLflow `dataframe_split` payload. */
function csvToSplit(text: string): { dataframe_split: { columns: string[]; data: unknown[][] } } {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'empty CSV body');
  const cell = (s: string): unknown => {
    const t = s.trim().replace(/^"(.*)"$/, '$1');
    return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
  };
  const [head, ...rows] = lines.map((l) => l.split(','));
  return { dataframe_split: { columns: head.map((h) => String(cell(h))), data: rows.map((r) => r.map(cell)) } };
}

// ---------------------------------------------------------------------------------------------
// Discovery documents.

function interfaceJson(model: LoadedModel, version: string): Record<string, unknown> {
  const methods = Object.fromEntries(
    model.meta.methods.map((m) => [m.name, { name: m.name, args: [{ name: 'data', data_type: m.input, required: true, default: null }], returns: { data_type: m.output }, ...(m.description ? { description: m.description } : {}) }]),
  );
  return { version, methods, meta: model.meta };
}

function openApi(model: LoadedModel, o: Opts): Record<string, unknown> {
  const err = { $ref: '#/components/schemas/Error' };
  const errResp = (d: string) => ({ description: d, content: { 'application/json': { schema: err } } });
  const errors = { '400': errResp('malformed JSON or not {"data": …}'), '413': errResp('body too large'), '422': errResp('data does not match the signature'), '503': errResp('overloaded'), '504': errResp('inference timed out') };
  const sample = model.meta.sample;
  const paths: Record<string, unknown> = {};
  for (const m of model.meta.methods) paths[`/${m.name}`] = { post: methodOp(m, sample, errors) };
  const first = mlflowMethod(model);
  if (first) {
    paths['/invocations'] = {
      post: {
        operationId: 'invocations',
        tags: ['mlflow'],
        summary: `MLflow scoring: ${first.name} → {"predictions": …}`,
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'exactly one of dataframe_split, dataframe_records, instances, inputs', properties: { dataframe_split: { type: 'object' }, dataframe_records: { type: 'array' }, instances: { type: 'array' }, inputs: {} } }, ...(sample !== undefined ? { example: { inputs: sample } } : {}) }, 'text/csv': { schema: { type: 'string' } } } },
        responses: { '200': { description: 'predictions', content: { 'application/json': { schema: { type: 'object', properties: { predictions: bodySchema(first.output) } } } } }, ...errors },
      },
    };
  }
  const get = (id: string, summary: string, tag: string, type = 'application/json') => ({ get: { operationId: id, tags: [tag], summary, responses: { '200': { description: 'ok', content: { [type]: { schema: type === 'application/json' ? { type: 'object' } : { type: 'string' } } } } } } });
  Object.assign(paths, {
    '/interface.json': get('interface', 'MLEM interface: methods and their signatures', 'discovery'),
    '/metadata': get('metadata', 'the model package: lineage (git commit, stage, params, metrics), artifacts, requirements', 'discovery'),
    '/ping': get('ping', 'MLflow health check', 'mlflow'),
    '/health': get('health', 'MLflow health check', 'mlflow'),
    '/version': get('version', 'keel version', 'mlflow', 'text/plain'),
    '/livez': get('livez', 'liveness probe', 'operations'),
    '/readyz': get('readyz', 'readiness probe (503 while draining)', 'operations'),
    '/metrics': get('metrics', 'Prometheus metrics', 'operations', 'text/plain'),
  });
  return {
    openapi: '3.1.0',
    info: { title: `${model.meta.name} (keel)`, version: o.version, description: model.meta.description ?? `Model '${model.meta.name}' (${model.meta.runtime}) served by keel` },
    paths,
    components: {
      schemas: { Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, request_id: { type: 'string' }, details: {} } } } } },
      ...(o.token !== undefined ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
    ...(o.token !== undefined ? { security: [{ bearer: [] }] } : {}),
  };
}

function methodOp(m: MethodSignature, sample: unknown, errors: Record<string, unknown>): Record<string, unknown> {
  return {
    operationId: m.name,
    tags: ['model'],
    summary: m.description ?? `${m.name}: {"data": …} → the bare result (MLEM)`,
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['data'], properties: { data: bodySchema(m.input) } }, ...(sample !== undefined ? { example: { data: sample } } : {}) } } },
    responses: { '200': { description: `the result of ${m.name}`, content: { 'application/json': { schema: bodySchema(m.output) } } }, ...errors },
  };
}

// ---------------------------------------------------------------------------------------------
// Swagger UI, offline: the swagger-ui-dist files served from node_modules, no CDN.

const DOC_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

function registerDocs(app: FastifyInstance, title: string): void {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Buffer>();
  const file = (name: string): Buffer => {
    let b = cache.get(name);
    if (!b) cache.set(name, (b = readFileSync(join(dir, name))));
    return b;
  };
  const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - keel</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script></body></html>
`;
  // validatorUrl null: Swagger UI would otherwise send the spec to validator.swagger.io
  const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });\n`;
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', csp).send(html));
  app.get('/docs/init.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(init));
  app.get('/docs/:file', async (req, reply) => {
    const name = (req.params as { file: string }).file;
    const type = DOC_FILES[name];
    if (!type) throw new HttpError(404, 'NOT_FOUND', `no file /docs/${name}`);
    return reply.type(type).header('cache-control', 'public, max-age=86400').send(file(name));
  });
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// ---------------------------------------------------------------------------------------------
// Prometheus metrics (text format 0.0.4), no dependency.

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

class Histogram {
  counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.counts[i]++;
  }
}

/** Request counts and latencies per route, inference time and rows per model call per method. */
export class Metrics {
  private requests = new Map<string, number>();
  private latency = new Map<string, Histogram>();
  private infer = new Map<string, Histogram>();
  private batch = new Map<string, Histogram>();
  private current = 0;

  request(method: string, route: string, status: number, seconds: number): void {
    const k = labels({ method, route, status: String(status) });
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    hist(this.latency, labels({ method, route }), LATENCY_BUCKETS).observe(seconds);
  }
  inference(modelMethod: string, seconds: number, rows: number): void {
    const k = labels({ model_method: modelMethod });
    hist(this.infer, k, LATENCY_BUCKETS).observe(seconds);
    hist(this.batch, k, BATCH_BUCKETS).observe(rows);
  }
  inFlight(n: number): void {
    this.current = n;
  }

  text(): string {
    const out: string[] = [];
    out.push('# HELP keel_http_requests_total HTTP requests by method, route and status.', '# TYPE keel_http_requests_total counter');
    for (const [k, v] of this.requests) out.push(`keel_http_requests_total{${k}} ${v}`);
    histText(out, 'keel_http_request_duration_seconds', 'HTTP request latency by route.', this.latency);
    histText(out, 'keel_inference_duration_seconds', 'Time spent in one model call.', this.infer);
    histText(out, 'keel_batch_size', 'Rows per model call (a batched call merges requests).', this.batch);
    out.push('# HELP keel_requests_in_flight Model requests being processed.', '# TYPE keel_requests_in_flight gauge', `keel_requests_in_flight ${this.current}`);
    return out.join('\n') + '\n';
  }
}

function hist(map: Map<string, Histogram>, k: string, buckets: number[]): Histogram {
  let h = map.get(k);
  if (!h) map.set(k, (h = new Histogram(buckets)));
  return h;
}

function histText(out: string[], name: string, help: string, map: Map<string, Histogram>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const [k, h] of map) {
    h.buckets.forEach((b, i) => out.push(`${name}_bucket{${k},le="${b}"} ${h.counts[i]}`));
    out.push(`${name}_bucket{${k},le="+Inf"} ${h.count}`, `${name}_sum{${k}} ${h.sum}`, `${name}_count{${k}} ${h.count}`);
  }
}

function labels(l: Record<string, string>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}
