/**
 * Bitbucket Cloud, API 2.0. Auth: `user:app_password` → Basic, anything else → Bearer (access
 * tokens). Lists use `pagelen=100` and follow the `next` URL of each page. Assets go to the
 * repository's Downloads (`POST /downloads`, multipart `files`) as `keel-<sha256>.<ext>`, linked
 * as `<web>/<workspace>/<repo>/downloads/<name>`.
 */
import { UsageError } from '../../errors/index.js';
import type { Asset, Forge, ForgeComment, Target } from '../forge.js';
import { multipart, type ForgeHttp } from './http.js';

interface BbComment {
  id: number;
  content?: { raw?: string };
  deleted?: boolean;
  links?: { html?: { href?: string } };
}

export class BitbucketForge implements Forge {
  readonly kind = 'bitbucket' as const;
  private readonly base: string;

  constructor(
    private readonly http: ForgeHttp,
    readonly repo: string,
    private readonly webBase: string,
  ) {
    const [ws, slug, ...rest] = repo.split('/');
    if (!ws || !slug || rest.length) throw new UsageError(`a Bitbucket repository is 'workspace/repo', got '${repo}'`);
    this.base = `/repositories/${encodeURIComponent(ws)}/${encodeURIComponent(slug)}`;
  }

  async findPr(sha: string): Promise<number | undefined> {
    const r = await this.http.request('GET', `${this.base}/commit/${sha}/pullrequests?state=OPEN&pagelen=50`, { allow404: true, what: `pull requests of commit ${sha}` });
    const prs = ((r?.data as { values?: { id: number; state?: string }[] } | undefined)?.values ?? []).filter((p) => (p.state ?? 'OPEN') === 'OPEN');
    return prs[0]?.id;
  }

  private commentsPath(t: Target): string {
    if (t.kind === 'commit') return `${this.base}/commit/${t.sha}/comments`;
    return `${this.base}/${t.kind === 'pr' ? 'pullrequests' : 'issues'}/${t.number}/comments`;
  }

  private toComment(t: Target, c: BbComment): ForgeComment {
    const page = t.kind === 'commit' ? `commits/${t.sha}` : `${t.kind === 'pr' ? 'pull-requests' : 'issues'}/${t.number}`;
    return { id: String(c.id), body: c.content?.raw ?? '', url: c.links?.html?.href ?? `${this.webBase}/${this.repo}/${page}#comment-${c.id}` };
  }

  async listComments(t: Target): Promise<ForgeComment[]> {
    const list = await this.http.all(
      `${this.commentsPath(t)}?pagelen=100`,
      (r) => ((r.data as { values?: BbComment[] }).values ?? []).filter((c) => !c.deleted),
      (r) => (r.data as { next?: string }).next,
      describe(t),
    );
    return list.map((c) => this.toComment(t, c));
  }

  async createComment(t: Target, body: string): Promise<ForgeComment> {
    const r = await this.http.call('POST', this.commentsPath(t), { json: { content: { raw: body } }, what: describe(t) });
    return this.toComment(t, r.data);
  }

  async updateComment(t: Target, id: string, body: string): Promise<ForgeComment> {
    const r = await this.http.call('PUT', `${this.commentsPath(t)}/${id}`, { json: { content: { raw: body } }, what: `comment ${id}` });
    return this.toComment(t, r.data);
  }

  async uploadAssets(_t: Target, assets: readonly Asset[]): Promise<string[]> {
    const done = new Map<string, string>();
    const out: string[] = [];
    for (const a of assets) {
      const name = `keel-${a.sha256}${a.ext}`;
      let url = done.get(name);
      if (!url) {
        const form = multipart('files', name, a.mime, a.bytes);
        await this.http.call('POST', `${this.base}/downloads`, { body: form.body, contentType: form.contentType, what: `upload of ${a.source}` });
        url = `${this.webBase}/${this.repo}/downloads/${name}`;
        done.set(name, url);
      }
      out.push(url);
    }
    return out;
  }
}

function describe(t: Target): string {
  return t.kind === 'commit' ? `commit ${t.sha}` : t.kind === 'pr' ? `pull request #${t.number}` : `issue #${t.number}`;
}
