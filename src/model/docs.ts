/** Discovery documents (`/interface.json`, `/openapi.json`) and the offline Swagger UI. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.js';
import { bodySchema, mlflowMethod } from './payloads.js';
import type { LoadedModel, MethodSignature } from './types.js';

// ---------------------------------------------------------------------------------------------
// Discovery documents.

export function interfaceJson(model: LoadedModel, version: string): Record<string, unknown> {
  const methods = Object.fromEntries(
    model.meta.methods.map((m) => [m.name, { name: m.name, args: [{ name: 'data', data_type: m.input, required: true, default: null }], returns: { data_type: m.output }, ...(m.description ? { description: m.description } : {}) }]),
  );
  return { version, methods, meta: model.meta };
}

export function openApi(model: LoadedModel, o: { version: string; token?: string; hideSchemaErrors: boolean }): Record<string, unknown> {
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

export function registerDocs(app: FastifyInstance, title: string): void {
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
