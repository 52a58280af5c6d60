/**
 * Inference around the model: the timeout, the inference metrics, opt-in batching and zero-wait
 * coalescing of batchable methods (the rules are in model/app.ts's file comment).
 */
import { HttpError } from './http-errors.js';
import type { Metrics } from './metrics.js';
import type { LoadedModel } from './types.js';

/** The model call of each request: timed, metered, batched or coalesced when that applies, under the timeout. */
export function invoker(model: LoadedModel, o: InvokeOptions, metrics: Metrics): (method: string, data: unknown) => Promise<unknown> {
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

/** What the invoker needs of the app's options. */
export interface InvokeOptions {
  timeoutMs: number;
  batchMaxSize: number;
  batchMaxLatencyMs: number;
  coalesce: boolean;
}
