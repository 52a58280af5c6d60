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
import { createServer } from 'node:http';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UsageError } from '../errors/index.js';
import { invoker } from './batching.js';
import { interfaceJson, openApi, registerDocs } from './docs.js';
import { HttpError, toHttp } from './http-errors.js';
import { Metrics } from './metrics.js';
import { bodySchema, csvToSplit, fromMlflow, isObject, mlflowMethod } from './payloads.js';
import type { LoadedModel } from './types.js';

export { Batcher } from './batching.js';
export { HTTP_STATUS, HttpError } from './http-errors.js';
export { Metrics } from './metrics.js';
export { fromMlflow } from './payloads.js';

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
// Small helpers.

const round = (x: number): number => Math.round(x * 1000) / 1000;
const describe = (v: unknown): string => (v === undefined ? 'no body' : Array.isArray(v) ? 'an array' : v === null ? 'null' : isObject(v) ? `an object with keys ${JSON.stringify(Object.keys(v).slice(0, 5))}` : typeof v);

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

