/**
 * GitHub (and GitHub Enterprise Server: API base `https://<host>/api/v3`) over REST v3.
 * Comments: issue comments for PRs and issues, commit comments for commits; lists use
 * `per_page=100` and follow the `Link: rel="next"` header to the last page.
 * Assets: GitHub has no upload API for comment attachments, so keel commits them with the Git
 * Data API (blob → tree → commit → ref) to an orphan branch `keel-assets`, named by their
 * SHA-256, and links `<web>/<owner>/<repo>/raw/keel-assets/<sha256>.<ext>`: a github.com URL
 * that renders in PR comments for everyone who can read the repository (private ones too), and
 * never a third-party host. The branch only grows, so the URLs stay valid; re-runs with the same
 * bytes add nothing.
 */
import { isKeelError, UsageError } from '../../errors/index.js';
import type { Asset, Forge, ForgeComment, Target } from '../forge.js';
import { linkNext, type ForgeHttp, type Reply } from './http.js';

export const GITHUB_ASSET_BRANCH = 'keel-assets';

interface GhComment {
  id: number;
  body?: string | null;
  html_url: string;
}

export class GitHubForge implements Forge {
  readonly kind = 'github' as const;
  readonly maxBodyChars = 65536;
  private readonly base: string;

  constructor(
    private readonly http: ForgeHttp,
    readonly repo: string,
    private readonly webBase: string,
  ) {
    const [owner, name, ...rest] = repo.split('/');
    if (!owner || !name || rest.length) throw new UsageError(`a GitHub repository is 'owner/name', got '${repo}'`);
    this.base = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  }

  async findPr(sha: string): Promise<number | undefined> {
    const r = await this.http.request('GET', `${this.base}/commits/${sha}/pulls?per_page=100`, { allow404: true, what: `pull requests of commit ${sha}` });
    const prs = (r?.data ?? []) as { number: number; state: string; head?: { sha?: string } }[];
    const open = prs.filter((p) => p.state === 'open');
    return (open.find((p) => p.head?.sha === sha) ?? open[0])?.number;
  }

  private commentsPath(t: Target): string {
    return t.kind === 'commit' ? `${this.base}/commits/${t.sha}/comments` : `${this.base}/issues/${t.number}/comments`;
  }

  async listComments(t: Target): Promise<ForgeComment[]> {
    const list = await this.http.all(
      `${this.commentsPath(t)}?per_page=100`,
      (r: Reply) => (r.data as GhComment[]).map(toComment),
      (r) => linkNext(r.headers.get('link')),
      describe(t),
    );
    return list;
  }

  async createComment(t: Target, body: string): Promise<ForgeComment> {
    return toComment((await this.http.call('POST', this.commentsPath(t), { json: { body }, what: describe(t) })).data);
  }

  async updateComment(t: Target, id: string, body: string): Promise<ForgeComment> {
    const p = t.kind === 'commit' ? `${this.base}/comments/${id}` : `${this.base}/issues/comments/${id}`;
    return toComment((await this.http.call('PATCH', p, { json: { body }, what: `comment ${id}` })).data);
  }

  async uploadAssets(_t: Target, assets: readonly Asset[]): Promise<string[]> {
    const name = (a: Asset): string => `${a.sha256}${a.ext}`;
    const urls = assets.map((a) => `${this.webBase}${this.base.slice('/repos'.length)}/raw/${GITHUB_ASSET_BRANCH}/${name(a)}`);
    if (assets.length === 0) return urls;
    const blobs = new Map<string, string>(); // asset name → blob sha, kept across attempts
    // Another run (a parallel job, a re-run) may move the branch between our read and our update:
    // GitHub then answers 422 (not a fast forward / reference exists), and we start over from the new tip.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.commitAssets(assets, name, blobs);
        return urls;
      } catch (e) {
        const status = isKeelError(e) ? (e.data as { status?: number } | undefined)?.status : undefined;
        if (status !== 422 || attempt >= ASSET_ATTEMPTS) throw e;
        this.http.cfg.log.debug(`branch ${GITHUB_ASSET_BRANCH} moved while uploading (attempt ${attempt}); retrying from its new tip`);
      }
    }
  }

  /** One read-modify-write of the asset branch: blobs, a tree on the tip's tree, a commit, the ref. */
  private async commitAssets(assets: readonly Asset[], name: (a: Asset) => string, blobs: Map<string, string>): Promise<void> {
    const ref = await this.http.request('GET', `${this.base}/git/ref/heads/${GITHUB_ASSET_BRANCH}`, { allow404: true, what: `branch ${GITHUB_ASSET_BRANCH}` });
    let tip: string | undefined;
    let baseTree: string | undefined;
    const have = new Set<string>();
    if (ref) {
      tip = (ref.data as { object: { sha: string } }).object.sha;
      baseTree = ((await this.http.call('GET', `${this.base}/git/commits/${tip}`)).data as { tree: { sha: string } }).tree.sha;
      const tree = (await this.http.call('GET', `${this.base}/git/trees/${baseTree}`)).data as { tree: { path: string }[] };
      for (const e of tree.tree) have.add(e.path);
    }
    const todo = [...new Map(assets.filter((a) => !have.has(name(a))).map((a) => [name(a), a])).values()];
    if (todo.length === 0) return;
    const entries = [];
    for (const a of todo) {
      let sha = blobs.get(name(a));
      if (sha === undefined) {
        const blob = await this.http.call('POST', `${this.base}/git/blobs`, { json: { content: a.bytes.toString('base64'), encoding: 'base64' }, what: `asset ${a.source}` });
        sha = (blob.data as { sha: string }).sha;
        blobs.set(name(a), sha);
      }
      entries.push({ path: name(a), mode: '100644', type: 'blob', sha });
    }
    const tree = await this.http.call('POST', `${this.base}/git/trees`, { json: { ...(baseTree ? { base_tree: baseTree } : {}), tree: entries } });
    const commit = await this.http.call('POST', `${this.base}/git/commits`, {
      json: { message: `keel: ${todo.length} report asset(s)`, tree: (tree.data as { sha: string }).sha, parents: tip ? [tip] : [] },
    });
    const sha = (commit.data as { sha: string }).sha;
    if (ref) await this.http.call('PATCH', `${this.base}/git/refs/heads/${GITHUB_ASSET_BRANCH}`, { json: { sha, force: false }, what: `branch ${GITHUB_ASSET_BRANCH}` });
    else await this.http.call('POST', `${this.base}/git/refs`, { json: { ref: `refs/heads/${GITHUB_ASSET_BRANCH}`, sha }, what: `branch ${GITHUB_ASSET_BRANCH}` });
  }
}

/** Read-modify-write rounds on the asset branch before giving up on a moving tip. */
const ASSET_ATTEMPTS = 5;

function toComment(c: GhComment): ForgeComment {
  return { id: String(c.id), body: c.body ?? '', url: c.html_url };
}

function describe(t: Target): string {
  return t.kind === 'commit' ? `commit ${t.sha}` : t.kind === 'pr' ? `pull request #${t.number}` : `issue #${t.number}`;
}
