/**
 * `keel serve <package-dir>`: load the model package, build its HTTP app (model/app.ts) and
 * listen. Returns the bound address and a graceful `close()`; the edges (cli/commands/serve.ts,
 * server/index.ts) call it on SIGTERM / SIGINT.
 *
 * @example
 *   const s = await serve('models/rf', { port: 0 });
 *   await fetch(`${s.url}/predict`, { method: 'POST', body: JSON.stringify({ data: ['text'] }), headers: { 'content-type': 'application/json' } });
 *   await s.close();
 */
import { buildApp } from '../model/app.js';
import type { AppOptions, ModelApp } from '../model/app.js';
import type { LoadedModel } from '../model/types.js';

export interface ServeOptions extends AppOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 8080; 0 picks a free port */
  port?: number;
  /** how long close() lets in-flight requests finish before cutting connections (default 10 s) */
  shutdownGraceMs?: number;
}

export interface Serving {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  host: string;
  port: number;
  model: LoadedModel;
  app: ModelApp;
  /**
   * Graceful shutdown: /readyz turns 503, the socket stops accepting, requests in flight finish
   * (up to `shutdownGraceMs`, then connections are cut), then the model is closed. Idempotent.
   */
  close(): Promise<void>;
}

export type ModelLoader = (dir: string) => Promise<LoadedModel>;

/** Listen with an already loaded model (what `serve` does after loading; tests use it directly). */
export async function serveModel(model: LoadedModel, opts: ServeOptions = {}): Promise<Serving> {
  const host = opts.host ?? '127.0.0.1';
  const built = buildApp(model, opts);
  const { app } = built;
  await app.listen({ host, port: opts.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 8080);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      built.drain();
      const grace = setTimeout(() => app.server.closeAllConnections(), opts.shutdownGraceMs ?? 10_000);
      // connections that were busy when close() began turn idle once their answer is sent
      const idle = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
        clearInterval(idle);
        await model.close();
      }
    })());
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, host, port, model, app: built, close };
}

/** Load the package in `dir` (with `load`, default model/package.ts's loadModel) and serve it. */
export async function serve(dir: string, opts: ServeOptions = {}, load: ModelLoader = defaultLoader): Promise<Serving> {
  const model = await load(dir);
  try {
    return await serveModel(model, opts);
  } catch (e) {
    await model.close();
    throw e;
  }
}

/** model/package.ts's loadModel, imported when first needed (it brings the runtimes). */
async function defaultLoader(dir: string): Promise<LoadedModel> {
  const { loadModel } = await import('../model/package.js');
  return loadModel(dir);
}
