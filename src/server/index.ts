/**
 * The HTTP serving edge as its own process, for images that run one model and nothing else:
 *
 *   node dist/server/index.js <package-dir>
 *     env: KEEL_HOST (default 0.0.0.0), KEEL_PORT (default 8080), KEEL_TOKEN (bearer auth),
 *          KEEL_BATCH_MAX_SIZE, KEEL_BATCH_MAX_LATENCY_MS, KEEL_MAX_BODY, KEEL_TIMEOUT_MS,
 *          KEEL_MAX_CONCURRENCY, KEEL_HIDE_SCHEMA_ERRORS=1
 *
 * `keel serve` does the same from the CLI (nothing may import server/, ARCHITECTURE R1, so the
 * CLI reaches ops/serve.ts directly). Logs are JSON lines on stdout.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { serve } from '../ops/serve.js';
import type { ModelLoader, ServeOptions, Serving } from '../ops/serve.js';

/**
 * Load and serve the package in `dir`; SIGTERM / SIGINT shut it down gracefully (stop accepting,
 * finish in-flight requests, close the model). Returns the bound address and `close`.
 */
export async function startServer(dir: string, opts: ServeOptions = {}, load?: ModelLoader): Promise<Serving> {
  const s = await serve(dir, opts, load);
  const stop = (): void => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    void s.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const close = s.close;
  return {
    ...s,
    close: async () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      await close();
    },
  };
}

/** ServeOptions from KEEL_* environment variables. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): ServeOptions {
  const int = (k: string): number | undefined => {
    const v = env[k];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${k} must be a non-negative integer, got '${v}'`);
    return n;
  };
  return {
    host: env.KEEL_HOST || '0.0.0.0',
    port: int('KEEL_PORT') ?? 8080,
    token: env.KEEL_TOKEN || undefined,
    batchMaxSize: int('KEEL_BATCH_MAX_SIZE'),
    batchMaxLatencyMs: int('KEEL_BATCH_MAX_LATENCY_MS'),
    maxBodyBytes: int('KEEL_MAX_BODY'),
    timeoutMs: int('KEEL_TIMEOUT_MS'),
    maxConcurrency: int('KEEL_MAX_CONCURRENCY'),
    hideSchemaErrors: env.KEEL_HIDE_SCHEMA_ERRORS === '1',
    log: (r) => void process.stdout.write(JSON.stringify(r) + '\n'),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node dist/server/index.js <package-dir>\n');
    process.exit(2);
  }
  startServer(resolve(dir), optionsFromEnv(process.env)).then(
    (s) => process.stderr.write(`serving '${s.model.meta.name}' at ${s.url}\n`),
    (e: unknown) => {
      process.stderr.write(`keel server: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
