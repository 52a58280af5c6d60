/**
 * The one HTTP client of the forge adapters: undici's fetch through an `EnvHttpProxyAgent`
 * (HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the env snapshot), auth headers sent only to the API
 * origin, retries (rate limits per `retry-after` / `x-ratelimit-reset`, 5xx and network errors
 * with backoff; never 401/404/422), and HTTP failures mapped to KeelErrors that never contain
 * the token. undici is imported on the first request, so only `keel comment` pays for it.
 */
import { randomBytes } from 'node:crypto';
import type { EnvSnapshot } from '../../config/env.js';
import { AuthError, NotFoundError, RemoteError } from '../../errors/index.js';
import type { ForgeKind } from '../forge.js';

export interface Logger {
  warn(msg: string): void;
  debug(msg: string): void;
}

export interface HttpConfig {
  forge: ForgeKind;
  apiBase: string;
  /** the auth headers for the API origin (built by the adapter from the token) */
  auth: Record<string, string>;
  /** the secret, only to scrub it from any text keel shows */
  token?: string;
  /** what to say on 401/403: which variable holds the token and the scope it needs */
  tokenHint: string;
  env: EnvSnapshot;
  log: Logger;
  /** retries per request (default 4), first backoff (default 1000 ms), longest wait (default 60 s) */
  retries?: number;
  backoffMs?: number;
  maxWaitMs?: number;
  /** per-request timeout (default 60 s) */
  timeoutMs?: number;
}

export interface Reply {
  status: number;
  headers: { get(name: string): string | null };
  /** parsed JSON, or the text when the body is not JSON ('' for none) */
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  url: string;
}

export interface RequestOptions {
  json?: unknown;
  body?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** answer 404 with undefined instead of an error */
  allow404?: boolean;
  /** what the request is about, for error messages ("pull request #3") */
  what?: string;
}

const NAMES: Record<ForgeKind, string> = { github: 'GitHub', gitlab: 'GitLab', gitea: 'Gitea', bitbucket: 'Bitbucket' };

type Undici = typeof import('undici');
type Dispatcher = InstanceType<Undici['EnvHttpProxyAgent']>;

export class ForgeHttp {
  readonly name: string;
  private readonly origin: string;
  private undici?: Undici;
  private dispatcher?: Dispatcher;

  constructor(readonly cfg: HttpConfig) {
    this.name = NAMES[cfg.forge];
    this.origin = new URL(cfg.apiBase).origin;
  }

  /** An absolute URL for an API path (`/repos/o/r`), or the URL itself when already absolute. */
  url(pathOrUrl: string): string {
    return /^https?:\/\//i.test(pathOrUrl) ? pathOrUrl : this.cfg.apiBase.replace(/\/+$/, '') + pathOrUrl;
  }

  /** Scrub the token from text shown to people. */
  redact(text: string): string {
    const t = this.cfg.token;
    return t && t.length >= 4 ? text.split(t).join('***') : text;
  }

  private async client(): Promise<{ undici: Undici; dispatcher: Dispatcher }> {
    if (!this.undici || !this.dispatcher) {
      this.undici = await import('undici');
      const e = this.cfg.env;
      const pick = (a: string, b: string): string => e[a] ?? e[b] ?? '';
      // explicit values ('' = none), so undici never falls back to process.env behind the snapshot
      this.dispatcher = new this.undici.EnvHttpProxyAgent({
        httpProxy: pick('http_proxy', 'HTTP_PROXY'),
        httpsProxy: pick('https_proxy', 'HTTPS_PROXY'),
        noProxy: pick('no_proxy', 'NO_PROXY'),
      });
    }
    return { undici: this.undici, dispatcher: this.dispatcher };
  }

  async close(): Promise<void> {
    await this.dispatcher?.close().catch(() => undefined);
  }

  /** One API call with retries; non-2xx answers become KeelErrors (404 → undefined with allow404). */
  async request(method: string, pathOrUrl: string, o: RequestOptions = {}): Promise<Reply | undefined> {
    const { undici, dispatcher } = await this.client();
    const retries = this.cfg.retries ?? 4;
    const backoff = this.cfg.backoffMs ?? 1000;
    let url = this.url(pathOrUrl);
    const body = o.json !== undefined ? Buffer.from(JSON.stringify(o.json)) : o.body;
    const contentType = o.json !== undefined ? 'application/json' : o.contentType;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        'user-agent': 'keel',
        accept: 'application/json',
        ...(contentType ? { 'content-type': contentType } : {}),
        ...o.headers,
        // credentials go to the API origin only (never to a host a Link header or redirect names)
        ...(new URL(url).origin === this.origin ? this.cfg.auth : {}),
      };
      let res: Awaited<ReturnType<Undici['fetch']>>;
      try {
        res = await undici.fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : new Uint8Array(body),
          dispatcher,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.cfg.timeoutMs ?? 60_000),
        });
      } catch (e) {
        const why = networkReason(e);
        if (attempt < retries) {
          const ms = backoff * 2 ** attempt;
          this.cfg.log.debug(`${method} ${url}: ${why}; retrying in ${ms} ms`);
          await sleep(ms);
          continue;
        }
        throw new RemoteError(this.redact(`cannot reach ${this.name} at ${this.cfg.apiBase}: ${why}`), {
          hint: 'check the network, the API URL (--base-url / KEEL_FORGE_API_URL) and HTTPS_PROXY / NO_PROXY',
          cause: e,
        });
      }
      const text = await res.text();
      this.cfg.log.debug(`${method} ${url} -> ${res.status}`);
      if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.get('location')) {
        // a renamed repository: follow (same method for 307/308), credentials only to the API origin
        url = new URL(res.headers.get('location')!, url).toString();
        if (attempt < retries) continue;
      }
      const rate = rateLimited(res.status, res.headers, text);
      if (rate && attempt < retries) {
        const ms = Math.min(waitMs(res.headers, backoff * 2 ** attempt), this.cfg.maxWaitMs ?? 60_000);
        this.cfg.log.warn(`${this.name} rate limit hit (${res.status}); retrying in ${Math.ceil(ms / 1000)} s`);
        await sleep(ms);
        continue;
      }
      if (res.status >= 500 && attempt < retries) {
        const ms = backoff * 2 ** attempt;
        this.cfg.log.debug(`${method} ${url}: ${res.status}; retrying in ${ms} ms`);
        await sleep(ms);
        continue;
      }
      const data = parseBody(text);
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, data, url };
      if (res.status === 404 && o.allow404) return undefined;
      throw this.failure(method, url, res.status, data, !!rate, o.what);
    }
  }

  /** Like request, but a missing answer (404 with allow404 unset) is impossible: always a Reply. */
  async call(method: string, pathOrUrl: string, o: RequestOptions = {}): Promise<Reply> {
    return (await this.request(method, pathOrUrl, { ...o, allow404: false }))!;
  }

  /** Every item of a paginated list: `next` reads the next page's URL from a reply. */
  async all<T>(firstUrl: string, items: (r: Reply) => T[], next: (r: Reply) => string | undefined, what?: string): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let url: string | undefined = firstUrl;
    while (url !== undefined && !seen.has(url) && seen.size < 1000) {
      seen.add(url);
      const r = await this.call('GET', url, { what });
      out.push(...items(r));
      url = next(r);
    }
    return out;
  }

  private failure(method: string, url: string, status: number, data: unknown, rate: boolean, what?: string): Error {
    const path = url.startsWith(this.cfg.apiBase) ? url.slice(this.cfg.apiBase.replace(/\/+$/, '').length) : url;
    const msg = serverMessage(data);
    const said = msg ? `: ${msg}` : '';
    const about = what ? ` (${what})` : '';
    if (rate) {
      return new RemoteError(this.redact(`${this.name} rate limit still exceeded after retries: ${method} ${path}${said}`), {
        hint: 'wait for the limit to reset (see the x-ratelimit-reset header) or use a token with a higher limit',
        data: { status },
      });
    }
    if (status === 401) {
      return new AuthError(this.redact(`${this.name} rejected the token (401 Unauthorized) for ${method} ${path}${said}`), { hint: this.cfg.tokenHint, data: { status } });
    }
    if (status === 403) {
      return new AuthError(this.redact(`${this.name} refused ${method} ${path}${about} (403 Forbidden)${said}`), { hint: this.cfg.tokenHint, data: { status } });
    }
    if (status === 404) {
      return new NotFoundError(this.redact(`${this.name} answered 404 Not Found to ${method} ${path}${about}${said}`), {
        hint: 'check the repository (--repo), the target number and the API URL; a private repository also answers 404 when the token cannot see it',
        data: { status },
      });
    }
    return new RemoteError(this.redact(`${this.name} answered ${status} to ${method} ${path}${about}${said}`), { data: { status } });
  }
}

function parseBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The human part of an error answer: GitHub/Gitea `message`, GitLab `message`/`error`, Bitbucket `error.message`. */
function serverMessage(data: unknown): string {
  let m: unknown = '';
  if (typeof data === 'string') m = data.trim();
  else if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    const err = d.error as Record<string, unknown> | string | undefined;
    m = d.message ?? (typeof err === 'object' && err ? err.message : err) ?? '';
    if (typeof m === 'object') m = JSON.stringify(m);
  }
  const s = String(m).replace(/\s+/g, ' ');
  return s.length > 300 ? s.slice(0, 300) + '…' : s;
}

/** 429, or a GitHub 403 that is a (primary or secondary) rate limit. */
export function rateLimited(status: number, headers: { get(n: string): string | null }, text: string): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  return headers.get('x-ratelimit-remaining') === '0' || headers.get('retry-after') !== null || /rate limit/i.test(text);
}

/** How long the headers ask us to wait: `retry-after` (seconds or a date), else until `x-ratelimit-reset` (epoch s). */
export function waitMs(headers: { get(n: string): string | null }, fallbackMs: number, now = Date.now()): number {
  const ra = headers.get('retry-after');
  if (ra !== null) {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000;
    const t = Date.parse(ra);
    if (!Number.isNaN(t)) return Math.max(0, t - now);
  }
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset) && (headers.get('x-ratelimit-remaining') ?? headers.get('ratelimit-remaining')) === '0') {
    return Math.max(0, Number(reset) * 1000 - now + 1000);
  }
  return fallbackMs;
}

function networkReason(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'request timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A `multipart/form-data` body with one file field. */
export function multipart(field: string, filename: string, mime: string, bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----keel${randomBytes(12).toString('hex')}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename.replace(/["\r\n]/g, '_')}"\r\nContent-Type: ${mime}\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The `rel="next"` URL of an RFC 8288 Link header (GitHub, Gitea, GitLab). */
export function linkNext(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (m && /\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(m[2])) return m[1];
  }
  return undefined;
}
