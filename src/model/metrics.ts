/** Prometheus metrics of the model server (text format 0.0.4), no dependency. */
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
