/**
 * Gitea (and Forgejo), API v1 at `<origin>/api/v1`. Auth: `Authorization: token <t>`.
 * PRs and issues share one index and one comment API (`/issues/{index}/comments`); Gitea has no
 * commit comments, so a commit target is refused with a hint. Assets are issue / PR attachments
 * (`POST /issues/{index}/assets`), reused by name (`<sha256>.<ext>`) when already attached.
 */
import { UsageError } from '../../errors/index.js';
import type { Asset, Forge, ForgeComment, Target } from '../forge.js';
import { linkNext, multipart, type ForgeHttp } from './http.js';

interface GtComment {
  id: number;
  body: string;
  html_url: string;
}

export class GiteaForge implements Forge {
  readonly kind = 'gitea' as const;
  private readonly base: string;

  constructor(
    private readonly http: ForgeHttp,
    readonly repo: string,
  ) {
    const [owner, name, ...rest] = repo.split('/');
    if (!owner || !name || rest.length) throw new UsageError(`a Gitea repository is 'owner/name', got '${repo}'`);
    this.base = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  }

  async findPr(sha: string): Promise<number | undefined> {
    const r = await this.http.request('GET', `${this.base}/commits/${sha}/pull`, { allow404: true, what: `pull request of commit ${sha}` });
    const pr = r?.data as { number?: number; state?: string } | undefined;
    return pr && pr.state === 'open' && typeof pr.number === 'number' ? pr.number : undefined;
  }

  private index(t: Target): number {
    if (t.kind === 'commit') {
      throw new UsageError('Gitea has no commit comments: keel can comment on a pull request or an issue there', {
        hint: 'open a pull request for the branch, or use --target pr/<N> or --target issue/<N>',
      });
    }
    return t.number;
  }

  async listComments(t: Target): Promise<ForgeComment[]> {
    const list = await this.http.all(
      `${this.base}/issues/${this.index(t)}/comments?limit=50&page=1`,
      (r) => r.data as GtComment[],
      (r) => linkNext(r.headers.get('link')),
      `#${this.index(t)}`,
    );
    return list.map(toComment);
  }

  async createComment(t: Target, body: string): Promise<ForgeComment> {
    return toComment((await this.http.call('POST', `${this.base}/issues/${this.index(t)}/comments`, { json: { body }, what: `#${this.index(t)}` })).data);
  }

  async updateComment(_t: Target, id: string, body: string): Promise<ForgeComment> {
    return toComment((await this.http.call('PATCH', `${this.base}/issues/comments/${id}`, { json: { body }, what: `comment ${id}` })).data);
  }

  async uploadAssets(t: Target, assets: readonly Asset[]): Promise<string[]> {
    if (assets.length === 0) return [];
    const n = this.index(t);
    const existing = await this.http.request('GET', `${this.base}/issues/${n}/assets`, { allow404: true });
    const byName = new Map<string, string>();
    for (const a of (existing?.data ?? []) as { name: string; browser_download_url: string }[]) byName.set(a.name, a.browser_download_url);
    const out: string[] = [];
    for (const a of assets) {
      const name = `${a.sha256}${a.ext}`;
      let url = byName.get(name);
      if (!url) {
        const form = multipart('attachment', name, a.mime, a.bytes);
        const r = await this.http.call('POST', `${this.base}/issues/${n}/assets?name=${encodeURIComponent(name)}`, { body: form.body, contentType: form.contentType, what: `upload of ${a.source}` });
        url = (r.data as { browser_download_url: string }).browser_download_url;
        byName.set(name, url);
      }
      out.push(url);
    }
    return out;
  }
}

function toComment(c: GtComment): ForgeComment {
  return { id: String(c.id), body: c.body ?? '', url: c.html_url };
}
