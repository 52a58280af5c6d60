/**
 * The forge port: what `keel comment` needs from GitHub, GitLab, Gitea or Bitbucket Cloud.
 * One adapter per forge in `forges/`, each built from an API base URL, a repository and a token
 * (forges/index.ts). Adapters return plain data; every HTTP concern (auth headers, proxies,
 * retries, error mapping, pagination) lives in forges/http.ts.
 */

export type ForgeKind = 'github' | 'gitlab' | 'gitea' | 'bitbucket';
export const FORGE_KINDS: readonly ForgeKind[] = ['github', 'gitlab', 'gitea', 'bitbucket'];

/** Where a comment goes. `pr` is a pull request (GitLab: merge request iid). */
export type Target = { kind: 'pr'; number: number } | { kind: 'issue'; number: number } | { kind: 'commit'; sha: string };

export function formatTarget(t: Target): string {
  return t.kind === 'commit' ? `commit/${t.sha}` : `${t.kind}/${t.number}`;
}

/** A comment as the forge returns it. `id` is opaque (GitLab commit notes: `discussion:note`). */
export interface ForgeComment {
  id: string;
  body: string;
  url: string;
}

/** A file to host on the forge: content-addressed by `sha256`, named `<sha256><ext>`. */
export interface Asset {
  /** where it came from: a path relative to the report, or `data:` */
  source: string;
  bytes: Buffer;
  sha256: string;
  /** `.png`, `.svg`, … ('' when unknown) */
  ext: string;
  mime: string;
}

export interface Forge {
  readonly kind: ForgeKind;
  /** `owner/name` (GitLab: the full project path) */
  readonly repo: string;
  /** Longest comment body the forge accepts (checked before any call), if documented. */
  readonly maxBodyChars?: number;
  /** The open PR / MR whose head is `sha`, or undefined. */
  findPr(sha: string): Promise<number | undefined>;
  /** Every comment of the target, all pages, oldest first. */
  listComments(target: Target): Promise<ForgeComment[]>;
  createComment(target: Target, body: string): Promise<ForgeComment>;
  updateComment(target: Target, id: string, body: string): Promise<ForgeComment>;
  /** Host the assets on the forge; returns one URL per asset, in order. */
  uploadAssets(target: Target, assets: readonly Asset[]): Promise<string[]>;
}

// ------------------------------------------------------------------ watermark

/**
 * The hidden marker keel puts on the last line of every comment, so the next run finds and
 * updates it: `<!-- keel report -->`, or `<!-- keel report: <title> -->` with `--watermark-title`.
 * An HTML comment renders as nothing on all four forges and comes back verbatim in the raw body.
 */
export function watermark(title?: string): string {
  if (title === undefined || title === '') return '<!-- keel report -->';
  // keep the marker one valid HTML comment: no line breaks, no `--` (which would end it early)
  const safe = title.replace(/\s+/g, ' ').trim().replace(/-{2,}/g, (m) => m.split('').join('\u200b'));
  return `<!-- keel report: ${safe} -->`;
}

/** `{workflow}` and `{run}` in a watermark title, filled from the CI environment ('' outside CI). */
export function fillTitle(title: string, vars: { workflow?: string; run?: string }): string {
  return title.replace(/\{workflow\}/g, vars.workflow ?? '').replace(/\{run\}/g, vars.run ?? '');
}

/** The body keel posts: the report, then the marker on its own line. */
export function withWatermark(body: string, mark: string): string {
  return `${body.replace(/\s+$/, '')}\n\n${mark}\n`;
}

/** Does `body` carry exactly this marker (on a line of its own, as keel writes it)? */
export function hasWatermark(body: string, mark: string): boolean {
  return body.replace(/\r\n/g, '\n').split('\n').some((line) => line.trim() === mark);
}

/** The newest comment carrying `mark` (comments are oldest first). */
export function findWatermarked(comments: readonly ForgeComment[], mark: string): ForgeComment | undefined {
  for (let i = comments.length - 1; i >= 0; i--) if (hasWatermark(comments[i].body, mark)) return comments[i];
  return undefined;
}
