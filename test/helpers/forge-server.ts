/**
 * A loopback forge for tests: the REST subset `keel comment` uses of GitHub (`/gh/api/v3`),
 * GitLab (`/gl/api/v4`), Gitea (`/gt/api/v1`) and Bitbucket Cloud (`/bb/2.0`), shaped after
 * their public API docs (paths, status codes, pagination headers and default page sizes,
 * response fields), with state in memory and every call recorded (method, path, all headers,
 * body). Uploaded files are served back on each forge's web paths, so tests can fetch the URL a
 * comment links and compare bytes. Faults are queued with `fault()`.
 *
 * Also: `startProxy()`, a loopback forward proxy (CONNECT tunnels and absolute-URI requests)
 * that records what it carried.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export type Kind = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

export interface Call {
  method: string;
  /** path and query */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface StoredComment {
  id: number;
  body: string;
  /** GitLab commit discussions: the discussion id */
  discussion?: string;
  system?: boolean;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** only requests whose `METHOD path` matches */
  match?: RegExp;
  times?: number;
}

export const TOKENS: Record<Kind, string> = {
  github: 'ghp_TESTsecretTOKEN0123456789',
  gitlab: 'glpat-TESTsecretTOKEN0123456789',
  gitea: 'gitea-TESTsecretTOKEN0123456789',
  bitbucket: 'keeluser:bbapp-TESTsecretTOKEN0123456789',
};

export const PREFIX: Record<Kind, string> = { github: '/gh/api/v3', gitlab: '/gl/api/v4', gitea: '/gt/api/v1', bitbucket: '/bb/2.0' };

interface Pr {
  number: number;
  sha: string;
  state: string;
}

type Handler = (m: RegExpExecArray, q: URLSearchParams, body: Buffer, call: Call) => Reply;
interface Reply {
  status: number;
  json?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

const sha1 = (s: string | Buffer): string => createHash('sha1').update(s).digest('hex');

export class ForgeServer {
  url = '';
  readonly calls: Call[] = [];
  /** comment threads: `${kind}|${repo}|${pr|issue|commit}|${number or sha}` → comments, oldest first */
  readonly threads = new Map<string, StoredComment[]>();
  readonly prs = new Map<string, Pr[]>();
  /** repositories that exist, per forge (GitLab: path → numeric id) */
  readonly repos: Record<Kind, Map<string, number>> = { github: new Map(), gitlab: new Map(), gitea: new Map(), bitbucket: new Map() };
  /** web path → bytes of every uploaded file */
  readonly files = new Map<string, Buffer>();
  /** GitHub Git Data store */
  readonly git = { objects: new Map<string, { type: string; data: unknown }>(), refs: new Map<string, string>() };
  private faults: Fault[] = [];
  private nextId = 1000;
  private server?: http.Server;
  private routes: [string, RegExp, Handler][] = [];

  constructor() {
    this.githubRoutes();
    this.gitlabRoutes();
    this.giteaRoutes();
    this.bitbucketRoutes();
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  apiBase(kind: Kind): string {
    return this.url + PREFIX[kind];
  }

  addRepo(kind: Kind, repo: string, id = this.repos[kind].size + 42): void {
    this.repos[kind].set(repo, id);
  }

  addPr(kind: Kind, repo: string, number: number, sha: string, state = kind === 'gitlab' ? 'opened' : kind === 'bitbucket' ? 'OPEN' : 'open'): void {
    const k = `${kind}|${repo}`;
    this.prs.set(k, [...(this.prs.get(k) ?? []), { number, sha, state }]);
  }

  thread(kind: Kind, repo: string, where: 'pr' | 'issue' | 'commit', id: number | string): StoredComment[] {
    // GitHub and Gitea keep PR comments as issue comments: one thread per number
    const w = (kind === 'github' || kind === 'gitea') && where === 'pr' ? 'issue' : where;
    const k = `${kind}|${repo}|${w}|${id}`;
    let t = this.threads.get(k);
    if (!t) this.threads.set(k, (t = []));
    return t;
  }

  /** Seed `n` comments written by people. */
  seed(kind: Kind, repo: string, where: 'pr' | 'issue' | 'commit', id: number | string, n: number, body = (i: number) => `comment ${i}`): void {
    const t = this.thread(kind, repo, where, id);
    for (let i = 0; i < n; i++) t.push(this.newComment(body(i), kind === 'gitlab' && where === 'commit'));
  }

  fault(f: Fault): void {
    this.faults.push({ times: 1, ...f });
  }

  private newComment(body: string, discussion = false): StoredComment {
    const id = this.nextId++;
    return { id, body, ...(discussion ? { discussion: sha1(String(id)) } : {}) };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const call: Call = { method: req.method ?? 'GET', path: u.pathname + u.search, headers: req.headers, body };
    this.calls.push(call);
    const send = (r: Reply): void => {
      const data = r.raw ?? (r.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(r.json)));
      res.writeHead(r.status, { ...(r.json !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...r.headers });
      res.end(data);
    };
    const fi = this.faults.findIndex((f) => !f.match || f.match.test(`${call.method} ${u.pathname}`));
    if (fi >= 0 && u.pathname.match(/^\/(gh\/api\/v3|gl\/api\/v4|gt\/api\/v1|bb\/2\.0)\//)) {
      const f = this.faults[fi];
      if (--f.times! <= 0) this.faults.splice(fi, 1);
      return send({ status: f.status, headers: f.headers, json: f.body ?? { message: `fault ${f.status}` } });
    }
    // web paths: uploaded files
    const file = this.files.get(u.pathname);
    if (req.method === 'GET' && file) return send({ status: 200, raw: file, headers: { 'content-type': 'application/octet-stream' } });
    const raw = /^\/gh\/([^/]+)\/([^/]+)\/raw\/([^/]+)\/(.+)$/.exec(u.pathname);
    if (req.method === 'GET' && raw) return send(this.githubRaw(`${raw[1]}/${raw[2]}`, raw[3], raw[4]));
    for (const [method, re, h] of this.routes) {
      if (method !== req.method) continue;
      const m = re.exec(u.pathname);
      if (!m) continue;
      const kind = (Object.keys(PREFIX) as Kind[]).find((k) => u.pathname.startsWith(PREFIX[k] + '/'))!;
      const denied = this.checkAuth(kind, req.headers);
      if (denied) return send(denied);
      try {
        return send(h(m, u.searchParams, body, call));
      } catch (e) {
        return send({ status: 500, json: { message: String(e) } });
      }
    }
    send({ status: 404, json: { message: 'Not Found' } });
  }

  private checkAuth(kind: Kind, h: http.IncomingHttpHeaders): Reply | undefined {
    const t = TOKENS[kind];
    const ok =
      kind === 'github'
        ? h.authorization === `Bearer ${t}`
        : kind === 'gitlab'
          ? h['private-token'] === t
          : kind === 'gitea'
            ? h.authorization === `token ${t}`
            : h.authorization === `Basic ${Buffer.from(t).toString('base64')}`;
    if (ok) return undefined;
    if (kind === 'github') return { status: 401, json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } };
    if (kind === 'gitlab') return { status: 401, json: { message: '401 Unauthorized' } };
    if (kind === 'gitea') return { status: 401, json: { message: 'token is required', url: this.url + '/gt/api/swagger' } };
    return { status: 401, json: { type: 'error', error: { message: 'Access token expired.' } } };
  }

  private route(method: string, kind: Kind, pattern: string, h: Handler): void {
    const re = new RegExp('^' + PREFIX[kind].replace(/\./g, '\\.') + pattern.replace(/:(\w+)/g, '([^/]+)') + '$');
    this.routes.push([method, re, h]);
  }

  // ------------------------------------------------------------------ GitHub

  private ghRepo(m: RegExpExecArray): string {
    const repo = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
    if (!this.repos.github.has(repo)) throw new NotFound();
    return repo;
  }

  private githubRoutes(): void {
    const R = '/repos/:o/:r';
    const wrap = (h: Handler): Handler => (m, q, b, c) => {
      try {
        return h(m, q, b, c);
      } catch (e) {
        if (e instanceof NotFound) return { status: 404, json: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
        throw e;
      }
    };
    const gh = (method: string, p: string, h: Handler): void => this.route(method, 'github', R + p, wrap(h));
    const view = (repo: string, where: string, id: string | number) => (c: StoredComment) => ({
      id: c.id,
      body: c.body,
      html_url: `${this.url}/gh/${repo}/${where === 'commit' ? `commit/${id}` : `pull/${id}`}#issuecomment-${c.id}`,
      created_at: new Date(1_700_000_000_000 + c.id * 1000).toISOString(),
      user: { login: 'keel-bot' },
    });
    gh('GET', '/commits/:sha/pulls', (m, q) => {
      const repo = this.ghRepo(m);
      const prs = (this.prs.get(`github|${repo}`) ?? []).filter((p) => p.sha === m[3]);
      return ghPage(prs.map((p) => ({ number: p.number, state: p.state, head: { sha: p.sha } })), q, this.url + m[0]);
    });
    for (const where of ['issue', 'commit'] as const) {
      const p = where === 'issue' ? '/issues/:n/comments' : '/commits/:n/comments';
      gh('GET', p, (m, q) => {
        const repo = this.ghRepo(m);
        return ghPage(this.thread('github', repo, where, m[3]).map(view(repo, where, m[3])), q, this.url + m[0]);
      });
      gh('POST', p, (m, _q, b) => {
        const repo = this.ghRepo(m);
        const body = JSON.parse(b.toString()).body;
        if (typeof body !== 'string') return { status: 422, json: { message: 'Validation Failed' } };
        const c = this.newComment(body);
        this.thread('github', repo, where, m[3]).push(c);
        return { status: 201, json: view(repo, where, m[3])(c) };
      });
    }
    for (const [p, where] of [['/issues/comments/:id', 'issue'], ['/comments/:id', 'commit']] as const) {
      gh('PATCH', p, (m, _q, b) => {
        const repo = this.ghRepo(m);
        for (const [k, t] of this.threads) {
          if (!k.startsWith(`github|${repo}|${where}|`)) continue;
          const c = t.find((x) => x.id === Number(m[3]));
          if (c) {
            c.body = JSON.parse(b.toString()).body;
            return { status: 200, json: view(repo, where, k.split('|')[3])(c) };
          }
        }
        throw new NotFound();
      });
    }
    // Git Data API
    const put = (type: string, data: unknown, raw?: Buffer): string => {
      const sha = raw ? sha1(Buffer.concat([Buffer.from(`blob ${raw.length}\0`), raw])) : sha1(`${type} ${JSON.stringify(data)}`);
      this.git.objects.set(sha, { type, data: raw ?? data });
      return sha;
    };
    const get = (sha: string, type: string): unknown => {
      const o = this.git.objects.get(sha);
      if (!o || o.type !== type) throw new NotFound();
      return o.data;
    };
    gh('GET', '/git/ref/heads/:b', (m) => {
      const repo = this.ghRepo(m);
      const sha = this.git.refs.get(`${repo}|refs/heads/${m[3]}`);
      if (!sha) throw new NotFound();
      return { status: 200, json: { ref: `refs/heads/${m[3]}`, object: { sha, type: 'commit' } } };
    });
    gh('GET', '/git/commits/:sha', (m) => {
      this.ghRepo(m);
      const c = get(m[3], 'commit') as { tree: string; parents: string[]; message: string };
      return { status: 200, json: { sha: m[3], tree: { sha: c.tree }, parents: c.parents.map((sha) => ({ sha })), message: c.message } };
    });
    gh('GET', '/git/trees/:sha', (m) => {
      this.ghRepo(m);
      return { status: 200, json: { sha: m[3], tree: get(m[3], 'tree'), truncated: false } };
    });
    gh('POST', '/git/blobs', (m, _q, b) => {
      this.ghRepo(m);
      const { content, encoding } = JSON.parse(b.toString());
      const sha = put('blob', null, Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'));
      return { status: 201, json: { sha, url: `${this.url}${m[0]}/${sha}` } };
    });
    gh('POST', '/git/trees', (m, _q, b) => {
      this.ghRepo(m);
      const { base_tree, tree } = JSON.parse(b.toString()) as { base_tree?: string; tree: { path: string; mode: string; type: string; sha: string }[] };
      const entries = new Map<string, unknown>();
      if (base_tree) for (const e of get(base_tree, 'tree') as { path: string }[]) entries.set(e.path, e);
      for (const e of tree) {
        get(e.sha, 'blob');
        entries.set(e.path, { path: e.path, mode: e.mode, type: e.type, sha: e.sha });
      }
      const list = [...entries.values()];
      return { status: 201, json: { sha: put('tree', list), tree: list, truncated: false } };
    });
    gh('POST', '/git/commits', (m, _q, b) => {
      this.ghRepo(m);
      const { message, tree, parents } = JSON.parse(b.toString());
      get(tree, 'tree');
      for (const p of parents) get(p, 'commit');
      return { status: 201, json: { sha: put('commit', { message, tree, parents }) } };
    });
    gh('POST', '/git/refs', (m, _q, b) => {
      const repo = this.ghRepo(m);
      const { ref, sha } = JSON.parse(b.toString());
      if (this.git.refs.has(`${repo}|${ref}`)) return { status: 422, json: { message: 'Reference already exists' } };
      this.git.refs.set(`${repo}|${ref}`, sha);
      return { status: 201, json: { ref, object: { sha, type: 'commit' } } };
    });
    gh('PATCH', '/git/refs/heads/:b', (m, _q, b) => {
      const repo = this.ghRepo(m);
      const key = `${repo}|refs/heads/${m[3]}`;
      const old = this.git.refs.get(key);
      if (!old) return { status: 422, json: { message: 'Reference does not exist' } };
      const { sha, force } = JSON.parse(b.toString());
      const c = get(sha, 'commit') as { parents: string[] };
      if (!force && !c.parents.includes(old)) return { status: 422, json: { message: 'Update is not a fast forward' } };
      this.git.refs.set(key, sha);
      return { status: 200, json: { ref: `refs/heads/${m[3]}`, object: { sha, type: 'commit' } } };
    });
  }

  private githubRaw(repo: string, ref: string, p: string): Reply {
    try {
      const tip = this.git.refs.get(`${repo}|refs/heads/${ref}`) ?? ref;
      const c = this.git.objects.get(tip)?.data as { tree: string };
      const tree = this.git.objects.get(c.tree)?.data as { path: string; sha: string }[];
      const e = tree.find((x) => x.path === p)!;
      return { status: 200, raw: this.git.objects.get(e.sha)!.data as Buffer };
    } catch {
      return { status: 404, json: { message: 'Not Found' } };
    }
  }

  // ------------------------------------------------------------------ GitLab

  private glProject(m: RegExpExecArray): string {
    const id = decodeURIComponent(m[1]);
    for (const [p, n] of this.repos.gitlab) if (p === id || String(n) === id) return p;
    throw new NotFound();
  }

  private gitlabRoutes(): void {
    const wrap = (h: Handler): Handler => (m, q, b, c) => {
      try {
        return h(m, q, b, c);
      } catch (e) {
        if (e instanceof NotFound) return { status: 404, json: { message: '404 Project Not Found' } };
        throw e;
      }
    };
    const gl = (method: string, p: string, h: Handler): void => this.route(method, 'gitlab', '/projects/:id' + p, wrap(h));
    const note = (c: StoredComment) => ({ id: c.id, type: c.discussion ? 'DiscussionNote' : null, body: c.body, system: !!c.system, author: { username: 'keel-bot' }, created_at: new Date(1_700_000_000_000 + c.id * 1000).toISOString() });
    gl('GET', '/repository/commits/:sha/merge_requests', (m) => {
      const repo = this.glProject(m);
      const mrs = (this.prs.get(`gitlab|${repo}`) ?? []).filter((p) => p.sha === m[2]);
      return { status: 200, json: mrs.map((p) => ({ iid: p.number, state: p.state, sha: p.sha })) };
    });
    for (const [seg, where] of [['merge_requests', 'pr'], ['issues', 'issue']] as const) {
      gl('GET', `/${seg}/:iid/notes`, (m, q) => {
        const repo = this.glProject(m);
        let list = this.thread('gitlab', repo, where, m[2]).map(note);
        if ((q.get('sort') ?? 'desc') === 'desc') list = list.reverse();
        return glPage(list, q, this.url + m[0]);
      });
      gl('POST', `/${seg}/:iid/notes`, (m, _q, b) => {
        const repo = this.glProject(m);
        const body = formOrJson(b).body;
        if (!body) return { status: 400, json: { message: '400 Bad request - body is missing' } };
        if (body.length > 1_000_000) return { status: 400, json: { message: { note: ['is too long (maximum is 1000000 characters)'] } } };
        const c = this.newComment(body);
        this.thread('gitlab', repo, where, m[2]).push(c);
        return { status: 201, json: note(c) };
      });
      gl('PUT', `/${seg}/:iid/notes/:nid`, (m, _q, b) => {
        const repo = this.glProject(m);
        const c = this.thread('gitlab', repo, where, m[2]).find((x) => x.id === Number(m[3]));
        if (!c) return { status: 404, json: { message: '404 Not found' } };
        c.body = formOrJson(b).body;
        return { status: 200, json: note(c) };
      });
    }
    const discussion = (c: StoredComment) => ({ id: c.discussion, individual_note: false, notes: [note(c)] });
    gl('GET', '/repository/commits/:sha/discussions', (m, q) => {
      const repo = this.glProject(m);
      return glPage(this.thread('gitlab', repo, 'commit', m[2]).map(discussion), q, this.url + m[0]);
    });
    gl('POST', '/repository/commits/:sha/discussions', (m, _q, b) => {
      const repo = this.glProject(m);
      const c = this.newComment(formOrJson(b).body, true);
      this.thread('gitlab', repo, 'commit', m[2]).push(c);
      return { status: 201, json: discussion(c) };
    });
    gl('PUT', '/repository/commits/:sha/discussions/:did/notes/:nid', (m, _q, b) => {
      const repo = this.glProject(m);
      const c = this.thread('gitlab', repo, 'commit', m[2]).find((x) => x.discussion === m[3] && x.id === Number(m[4]));
      if (!c) return { status: 404, json: { message: '404 Not found' } };
      c.body = formOrJson(b).body;
      return { status: 200, json: note(c) };
    });
    gl('POST', '/uploads', (m, _q, b, call) => {
      const repo = this.glProject(m);
      const part = parseMultipart(b, call.headers['content-type'] ?? '').find((p) => p.name === 'file');
      if (!part) return { status: 400, json: { error: 'file is missing' } };
      const secret = randomBytes(16).toString('hex');
      const id = this.repos.gitlab.get(repo)!;
      const full = `/-/project/${id}/uploads/${secret}/${part.filename}`;
      this.files.set(`/gl${full}`, part.data);
      return { status: 201, json: { id: this.nextId++, alt: part.filename, url: `/uploads/${secret}/${part.filename}`, full_path: full, markdown: `![${part.filename}](/uploads/${secret}/${part.filename})` } };
    });
  }

  // ------------------------------------------------------------------ Gitea

  private giteaRoutes(): void {
    const R = '/repos/:o/:r';
    const repoOf = (m: RegExpExecArray): string => {
      const repo = `${m[1]}/${m[2]}`;
      if (!this.repos.gitea.has(repo)) throw new NotFound();
      return repo;
    };
    const wrap = (h: Handler): Handler => (m, q, b, c) => {
      try {
        return h(m, q, b, c);
      } catch (e) {
        if (e instanceof NotFound) return { status: 404, json: { errors: null, message: 'The target couldn\'t be found.', url: this.url + '/gt/api/swagger' } };
        throw e;
      }
    };
    const gt = (method: string, p: string, h: Handler): void => this.route(method, 'gitea', R + p, wrap(h));
    const view = (repo: string, n: string) => (c: StoredComment) => ({ id: c.id, body: c.body, html_url: `${this.url}/gt/${repo}/issues/${n}#issuecomment-${c.id}`, user: { login: 'keel-bot' } });
    gt('GET', '/commits/:sha/pull', (m) => {
      const repo = repoOf(m);
      const pr = (this.prs.get(`gitea|${repo}`) ?? []).find((p) => p.sha === m[3]);
      if (!pr) throw new NotFound();
      return { status: 200, json: { number: pr.number, state: pr.state, head: { sha: pr.sha } } };
    });
    gt('GET', '/issues/:n/comments', (m, q) => {
      const repo = repoOf(m);
      return giteaPage(this.thread('gitea', repo, 'issue', m[3]).map(view(repo, m[3])), q, this.url + m[0]);
    });
    gt('POST', '/issues/:n/comments', (m, _q, b) => {
      const repo = repoOf(m);
      const c = this.newComment(JSON.parse(b.toString()).body);
      this.thread('gitea', repo, 'issue', m[3]).push(c);
      return { status: 201, json: view(repo, m[3])(c) };
    });
    gt('PATCH', '/issues/comments/:id', (m, _q, b) => {
      const repo = repoOf(m);
      for (const [k, t] of this.threads) {
        if (!k.startsWith(`gitea|${repo}|`)) continue;
        const c = t.find((x) => x.id === Number(m[3]));
        if (c) {
          c.body = JSON.parse(b.toString()).body;
          return { status: 200, json: view(repo, k.split('|')[3])(c) };
        }
      }
      throw new NotFound();
    });
    const attachments = new Map<string, { id: number; name: string; size: number; uuid: string; browser_download_url: string }[]>();
    gt('GET', '/issues/:n/assets', (m) => ({ status: 200, json: attachments.get(`${repoOf(m)}#${m[3]}`) ?? [] }));
    gt('POST', '/issues/:n/assets', (m, q, b, call) => {
      const repo = repoOf(m);
      const part = parseMultipart(b, call.headers['content-type'] ?? '').find((p) => p.name === 'attachment');
      if (!part) return { status: 400, json: { message: 'attachment is missing' } };
      const uuid = randomBytes(16).toString('hex');
      this.files.set(`/gt/attachments/${uuid}`, part.data);
      const a = { id: this.nextId++, name: q.get('name') ?? part.filename, size: part.data.length, uuid, browser_download_url: `${this.url}/gt/attachments/${uuid}` };
      const k = `${repo}#${m[3]}`;
      attachments.set(k, [...(attachments.get(k) ?? []), a]);
      return { status: 201, json: a };
    });
  }

  // ------------------------------------------------------------------ Bitbucket

  private bitbucketRoutes(): void {
    const R = '/repositories/:ws/:slug';
    const repoOf = (m: RegExpExecArray): string => {
      const repo = `${m[1]}/${m[2]}`;
      if (!this.repos.bitbucket.has(repo)) throw new NotFound();
      return repo;
    };
    const wrap = (h: Handler): Handler => (m, q, b, c) => {
      try {
        return h(m, q, b, c);
      } catch (e) {
        if (e instanceof NotFound) return { status: 404, json: { type: 'error', error: { message: 'Repository not found' } } };
        throw e;
      }
    };
    const bb = (method: string, p: string, h: Handler): void => this.route(method, 'bitbucket', R + p, wrap(h));
    const view = (repo: string, page: string) => (c: StoredComment) => ({
      id: c.id,
      type: 'pullrequest_comment',
      deleted: false,
      content: { raw: c.body, markup: 'markdown', html: '' },
      links: { html: { href: `${this.url}/bb/${repo}/${page}#comment-${c.id}` } },
    });
    bb('GET', '/commit/:sha/pullrequests', (m, q) => {
      const repo = repoOf(m);
      const state = q.get('state');
      const prs = (this.prs.get(`bitbucket|${repo}`) ?? []).filter((p) => p.sha === m[3] && (!state || p.state === state));
      return bbPage(prs.map((p) => ({ id: p.number, state: p.state, type: 'pullrequest' })), q, this.url + m[0], 50);
    });
    for (const [seg, where, page] of [['pullrequests', 'pr', 'pull-requests'], ['issues', 'issue', 'issues'], ['commit', 'commit', 'commits']] as const) {
      bb('GET', `/${seg}/:id/comments`, (m, q) => {
        const repo = repoOf(m);
        return bbPage(this.thread('bitbucket', repo, where, m[3]).map(view(repo, `${page}/${m[3]}`)), q, this.url + m[0], 100);
      });
      bb('POST', `/${seg}/:id/comments`, (m, _q, b) => {
        const repo = repoOf(m);
        const raw = JSON.parse(b.toString())?.content?.raw;
        if (typeof raw !== 'string') return { status: 400, json: { type: 'error', error: { message: 'content.raw is required' } } };
        const c = this.newComment(raw);
        this.thread('bitbucket', repo, where, m[3]).push(c);
        return { status: 201, json: view(repo, `${page}/${m[3]}`)(c) };
      });
      bb('PUT', `/${seg}/:id/comments/:cid`, (m, _q, b) => {
        const repo = repoOf(m);
        const c = this.thread('bitbucket', repo, where, m[3]).find((x) => x.id === Number(m[4]));
        if (!c) throw new NotFound();
        c.body = JSON.parse(b.toString()).content.raw;
        return { status: 200, json: view(repo, `${page}/${m[3]}`)(c) };
      });
    }
    bb('POST', '/downloads', (m, _q, b, call) => {
      const repo = repoOf(m);
      const parts = parseMultipart(b, call.headers['content-type'] ?? '').filter((p) => p.name === 'files');
      if (!parts.length) return { status: 400, json: { type: 'error', error: { message: 'no files' } } };
      for (const p of parts) this.files.set(`/bb/${repo}/downloads/${p.filename}`, p.data);
      return { status: 201 };
    });
  }
}

class NotFound extends Error {}

function formOrJson(b: Buffer): Record<string, string> {
  const s = b.toString();
  try {
    return JSON.parse(s);
  } catch {
    return Object.fromEntries(new URLSearchParams(s));
  }
}

function intParam(q: URLSearchParams, name: string, dflt: number, max: number): number {
  const n = Number(q.get(name) ?? dflt);
  return Math.min(Math.max(1, Number.isInteger(n) ? n : dflt), max);
}

function withPage(base: string, q: URLSearchParams, page: number): string {
  const p = new URLSearchParams(q);
  p.set('page', String(page));
  return `${base}?${p}`;
}

/** GitHub: per_page (default 30, max 100), page, Link rel=next/last/prev/first. */
function ghPage(items: unknown[], q: URLSearchParams, base: string): Reply {
  const per = intParam(q, 'per_page', 30, 100);
  const page = intParam(q, 'page', 1, 1e9);
  const last = Math.max(1, Math.ceil(items.length / per));
  const links = [];
  if (page < last) links.push(`<${withPage(base, q, page + 1)}>; rel="next"`, `<${withPage(base, q, last)}>; rel="last"`);
  if (page > 1) links.push(`<${withPage(base, q, page - 1)}>; rel="prev"`, `<${withPage(base, q, 1)}>; rel="first"`);
  return { status: 200, json: items.slice((page - 1) * per, page * per), headers: links.length ? { link: links.join(', ') } : {} };
}

/** GitLab: per_page (default 20, max 100), page; X-Next-Page (empty on the last), X-Total(-Pages), Link. */
function glPage(items: unknown[], q: URLSearchParams, base: string): Reply {
  const per = intParam(q, 'per_page', 20, 100);
  const page = intParam(q, 'page', 1, 1e9);
  const last = Math.max(1, Math.ceil(items.length / per));
  const headers: Record<string, string> = {
    'x-page': String(page),
    'x-per-page': String(per),
    'x-total': String(items.length),
    'x-total-pages': String(last),
    'x-next-page': page < last ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
  };
  const links = [`<${withPage(base, q, 1)}>; rel="first"`, `<${withPage(base, q, last)}>; rel="last"`];
  if (page < last) links.unshift(`<${withPage(base, q, page + 1)}>; rel="next"`);
  headers.link = links.join(', ');
  return { status: 200, json: items.slice((page - 1) * per, page * per), headers };
}

/** Gitea: page, limit (default 30 here, max 50), Link rel=next/last, X-Total-Count. */
function giteaPage(items: unknown[], q: URLSearchParams, base: string): Reply {
  const per = intParam(q, 'limit', 30, 50);
  const page = intParam(q, 'page', 1, 1e9);
  const last = Math.max(1, Math.ceil(items.length / per));
  const headers: Record<string, string> = { 'x-total-count': String(items.length) };
  if (page < last) headers.link = `<${withPage(base, q, page + 1)}>; rel="next",<${withPage(base, q, last)}>; rel="last"`;
  return { status: 200, json: items.slice((page - 1) * per, page * per), headers };
}

/** Bitbucket: pagelen (default 10, max per endpoint), page; body {size, page, pagelen, next, values}. */
function bbPage(items: unknown[], q: URLSearchParams, base: string, max: number): Reply {
  const per = intParam(q, 'pagelen', 10, max);
  const page = intParam(q, 'page', 1, 1e9);
  const last = Math.max(1, Math.ceil(items.length / per));
  return {
    status: 200,
    json: { size: items.length, page, pagelen: per, ...(page < last ? { next: withPage(base, q, page + 1) } : {}), values: items.slice((page - 1) * per, page * per) },
  };
}

export interface Part {
  name: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!m) return [];
  const delim = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.slice(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    const chunk = body.slice(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const sep = chunk.indexOf('\r\n\r\n');
    const head = chunk.slice(0, sep).toString();
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/.exec(head)?.[1] ?? '';
    const ct = /content-type:\s*(.+)/i.exec(head)?.[1]?.trim() ?? '';
    parts.push({ name, filename, contentType: ct, data: chunk.slice(sep + 4) });
    pos = next;
  }
  return parts;
}

/** A loopback forward proxy: CONNECT tunnels and absolute-URI HTTP requests, each recorded. */
export async function startProxy(): Promise<{ url: string; seen: string[]; stop(): Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const u = new URL(req.url ?? '');
    const up = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up).add(client);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
