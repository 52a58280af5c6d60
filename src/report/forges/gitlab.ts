/**
 * GitLab (gitlab.com and self-managed, API v4; a subpath install has its API at
 * `<origin>/<subpath>/api/v4`, given by CI_API_V4_URL or --base-url). Auth: `PRIVATE-TOKEN`.
 * MR and issue comments are notes (`per_page=100`, `X-Next-Page`). Commit comments are written
 * as commit *discussions*, whose notes can be edited (the plain commit-comments endpoint has no
 * ids and no update). Assets go to project uploads (`POST /projects/:id/uploads`).
 */
import { UsageError } from '../../errors/index.js';
import type { Asset, Forge, ForgeComment, Target } from '../forge.js';
import { linkNext, multipart, type ForgeHttp, type Reply } from './http.js';

interface GlNote {
  id: number;
  body: string;
  system?: boolean;
}
interface GlDiscussion {
  id: string;
  notes: GlNote[];
}

export class GitLabForge implements Forge {
  readonly kind = 'gitlab' as const;
  /** GitLab refuses longer notes; keel checks before calling */
  readonly maxBodyChars = 1_000_000;
  private readonly base: string;

  constructor(
    private readonly http: ForgeHttp,
    readonly repo: string,
    private readonly webBase: string,
    projectId?: string,
  ) {
    this.base = `/projects/${encodeURIComponent(projectId ?? repo)}`;
  }

  async findPr(sha: string): Promise<number | undefined> {
    const r = await this.http.request('GET', `${this.base}/repository/commits/${sha}/merge_requests`, { allow404: true, what: `merge requests of commit ${sha}` });
    const mrs = (r?.data ?? []) as { iid: number; state: string; sha?: string }[];
    const open = mrs.filter((m) => m.state === 'opened');
    return (open.find((m) => m.sha === sha) ?? open[0])?.iid;
  }

  private notesPath(t: Target): string {
    if (t.kind === 'commit') return `${this.base}/repository/commits/${t.sha}/discussions`;
    return `${this.base}/${t.kind === 'pr' ? 'merge_requests' : 'issues'}/${t.number}/notes`;
  }

  private noteUrl(t: Target, id: number): string {
    const page = t.kind === 'commit' ? `commit/${t.sha}` : `${t.kind === 'pr' ? 'merge_requests' : 'issues'}/${t.number}`;
    return `${this.webBase}/${this.repo}/-/${page}#note_${id}`;
  }

  async listComments(t: Target): Promise<ForgeComment[]> {
    const next = (r: Reply): string | undefined => {
      const p = r.headers.get('x-next-page');
      if (p && /^\d+$/.test(p)) {
        const u = new URL(r.url);
        u.searchParams.set('page', p);
        return u.toString();
      }
      return p === '' ? undefined : linkNext(r.headers.get('link'));
    };
    if (t.kind === 'commit') {
      const ds = await this.http.all(`${this.notesPath(t)}?per_page=100`, (r) => r.data as GlDiscussion[], next, describe(t));
      return ds.flatMap((d) => d.notes.filter((n) => !n.system).map((n) => ({ id: `${d.id}:${n.id}`, body: n.body ?? '', url: this.noteUrl(t, n.id) })));
    }
    const notes = await this.http.all(`${this.notesPath(t)}?per_page=100&sort=asc&order_by=created_at`, (r) => r.data as GlNote[], next, describe(t));
    return notes.filter((n) => !n.system).map((n) => ({ id: String(n.id), body: n.body ?? '', url: this.noteUrl(t, n.id) }));
  }

  async createComment(t: Target, body: string): Promise<ForgeComment> {
    const r = await this.http.call('POST', this.notesPath(t), { json: { body }, what: describe(t) });
    if (t.kind === 'commit') {
      const d = r.data as GlDiscussion;
      const n = d.notes[0];
      return { id: `${d.id}:${n.id}`, body: n.body, url: this.noteUrl(t, n.id) };
    }
    const n = r.data as GlNote;
    return { id: String(n.id), body: n.body, url: this.noteUrl(t, n.id) };
  }

  async updateComment(t: Target, id: string, body: string): Promise<ForgeComment> {
    if (t.kind === 'commit') {
      const [did, nid] = id.split(':');
      if (!did || !nid) throw new UsageError(`not a GitLab commit discussion note id: '${id}'`);
      const r = await this.http.call('PUT', `${this.notesPath(t)}/${did}/notes/${nid}`, { json: { body }, what: `note ${nid}` });
      const n = r.data as GlNote;
      return { id, body: n.body, url: this.noteUrl(t, n.id) };
    }
    const r = await this.http.call('PUT', `${this.notesPath(t)}/${id}`, { json: { body }, what: `note ${id}` });
    const n = r.data as GlNote;
    return { id: String(n.id), body: n.body, url: this.noteUrl(t, n.id) };
  }

  async uploadAssets(_t: Target, assets: readonly Asset[]): Promise<string[]> {
    const out: string[] = [];
    const done = new Map<string, string>();
    for (const a of assets) {
      let url = done.get(a.sha256);
      if (!url) {
        const form = multipart('file', `${a.sha256}${a.ext}`, a.mime, a.bytes);
        const r = await this.http.call('POST', `${this.base}/uploads`, { body: form.body, contentType: form.contentType, what: `upload of ${a.source}` });
        const d = r.data as { url: string; full_path?: string };
        url = d.full_path?.startsWith('/') ? `${this.webBase}${d.full_path}` : `${this.webBase}/${this.repo}${d.url}`;
        done.set(a.sha256, url);
      }
      out.push(url);
    }
    return out;
  }
}

function describe(t: Target): string {
  return t.kind === 'commit' ? `commit ${t.sha}` : t.kind === 'pr' ? `merge request !${t.number}` : `issue #${t.number}`;
}
