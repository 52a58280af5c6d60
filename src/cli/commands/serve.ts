import * as path from 'node:path';
import { UsageError } from '../../errors/index.js';
import { serve } from '../../ops/serve.js';
import type { ServeOptions } from '../../ops/serve.js';
import type { Command, CommandContext } from '../command.js';

const command: Command = {
  spec: {
    name: 'serve',
    summary: 'Serve a model package over HTTP (MLEM and MLflow routes, /docs, /metrics) until SIGTERM.',
    usage: 'keel serve <package-dir> [--host 127.0.0.1] [--port 8080] [options]',
    args: [{ name: 'package-dir', required: true }],
    options: [
      { name: 'host', type: 'string', desc: 'address to bind (default 127.0.0.1; 0.0.0.0 for all)', arg: '<host>' },
      { name: 'port', short: 'p', type: 'number', desc: 'port (default 8080; 0 picks a free one)', arg: '<port>' },
      { name: 'batch-max-size', type: 'number', desc: 'merge concurrent requests into model calls of up to N rows (off by default)', arg: '<N>' },
      { name: 'batch-max-latency-ms', type: 'number', desc: 'longest a request waits for its batch (default 5)', arg: '<ms>' },
      { name: 'coalesce', type: 'boolean', desc: 'merge requests already waiting into one call for batchable methods, adding no wait (default on; --no-coalesce: one call per request)' },
      { name: 'token-env', type: 'string', desc: 'require "Authorization: Bearer <token>", the token read from env variable VAR', arg: '<VAR>' },
      { name: 'max-body', type: 'number', desc: 'request body limit in bytes (default 1048576)', arg: '<bytes>' },
      { name: 'timeout-ms', type: 'number', desc: 'inference timeout (504) and whole-request timeout (408) (default 30000)', arg: '<ms>' },
      { name: 'max-concurrency', type: 'number', desc: 'answer 503 above N model requests in flight', arg: '<N>' },
      { name: 'hide-schema-errors', type: 'boolean', desc: "answer 422 without the schema validator's detail" },
    ],
  },
  async run(ctx) {
    const dir = ctx.args._[0];
    if (!dir) throw new UsageError('keel serve needs a model package directory', { hint: 'keel serve models/rf' });
    const s = await serve(path.resolve(ctx.cwd, dir), serveOptions(ctx));
    // stdout carries the JSON request log only; messages for people go to stderr
    const say = (msg: string): void => void (ctx.args.quiet ? undefined : process.stderr.write(msg + '\n'));
    say(`serving '${s.model.meta.name}' at ${s.url} (docs: ${s.url}/docs); SIGTERM or Ctrl-C stops`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        say(`${signal}: finishing requests in flight, then stopping`);
        s.close().then(resolve, resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
export default command;

function serveOptions(ctx: CommandContext): ServeOptions {
  const a = ctx.args;
  const num = (k: string, min: number): number | undefined => {
    const v = a[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} must be an integer >= ${min}`);
    return v;
  };
  let token: string | undefined;
  if (typeof a.tokenEnv === 'string') {
    token = process.env[a.tokenEnv];
    if (!token) throw new UsageError(`--token-env ${a.tokenEnv}: the environment variable is not set or empty`, { hint: `export ${a.tokenEnv}=<secret>` });
  }
  return {
    host: typeof a.host === 'string' ? a.host : undefined,
    port: num('port', 0),
    batchMaxSize: num('batchMaxSize', 1),
    batchMaxLatencyMs: num('batchMaxLatencyMs', 0),
    token,
    maxBodyBytes: num('maxBody', 1),
    timeoutMs: num('timeoutMs', 1),
    maxConcurrency: num('maxConcurrency', 1),
    hideSchemaErrors: a.hideSchemaErrors === true,
    coalesce: a.coalesce !== false,
    log: requestLog(),
  };
}

/**
 * The JSON request log on stdout, one line per record. Lines are gathered and written once per
 * event-loop turn (one write for every request answered in it, not one each); `process.on('exit')`
 * writes what is left.
 */
function requestLog(): (r: Record<string, unknown>) => void {
  let lines: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    process.stdout.write(text);
  };
  process.once('exit', flush);
  return (r) => {
    lines.push(JSON.stringify(r) + '\n');
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
