/**
 * `keel comment <report.md>`: post a Markdown report on a pull request, commit or issue of
 * GitHub, GitLab, Gitea or Bitbucket Cloud, and keep one comment per watermark up to date.
 *
 * 1. Where: the forge, repository, commit and PR come from flags, then the CI environment
 *    (GitHub/Gitea Actions, GitLab CI, Bitbucket Pipelines), then `remote.origin.url` + HEAD.
 * 2. Target: `auto` = the open PR of the commit if there is one, else the commit.
 * 3. Assets: local files and `data:image/…;base64` URLs the report references are hosted on the
 *    forge itself and the links rewritten (a missing file is an error naming it).
 * 4. Upsert: list every comment of the target (all pages), update the newest one carrying the
 *    watermark, or create one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { envVar, type EnvSnapshot } from '../config/env.js';
import { AuthError, NotFoundError, UsageError, isErrno } from '../errors/index.js';
import { Git } from '../git/index.js';
import { findLinks, localUrl, makeAsset, extForMime, rewriteLinks } from '../report/assets.js';
import { FORGE_KINDS, fillTitle, findWatermarked, formatTarget, watermark, withWatermark, type Asset, type ForgeKind, type Target } from '../report/forge.js';
import { defaultApiBase, detectCi, forgeForHost, parseRepo, webBaseFor, type CiContext, type RepoSpec } from '../report/forges/ci-env.js';
import { openForge, tokenFromEnv, tokenHint } from '../report/forges/index.js';
import type { Io } from './io.js';

export interface CommentOptions {
  cwd: string;
  env: EnvSnapshot;
  /** the Markdown file */
  report: string;
  /** auto (default) | pr | commit | commit/<sha> | pr/<N> | issue/<N> */
  target?: string;
  watermarkTitle?: string;
  forge?: ForgeKind;
  /** URL or owner/name */
  repo?: string;
  /** API base URL (else KEEL_FORGE_API_URL, the CI's, or the forge default) */
  baseUrl?: string;
  token?: string;
  /** upload local files and data: images (default true) */
  publish?: boolean;
}

export interface CommentAsset {
  source: string;
  url: string;
  sha256: string;
  bytes: number;
}

export interface CommentResult {
  url: string;
  id: string;
  action: 'created' | 'updated';
  forge: ForgeKind;
  repo: string;
  target: string;
  assets: CommentAsset[];
}

type TargetSpec = { kind: 'auto' } | { kind: 'pr'; number?: number } | { kind: 'issue'; number: number } | { kind: 'commit'; sha?: string };

export function parseTargetSpec(s: string | undefined): TargetSpec {
  const t = (s ?? 'auto').trim();
  if (t === 'auto') return { kind: 'auto' };
  if (t === 'pr') return { kind: 'pr' };
  if (t === 'commit') return { kind: 'commit' };
  let m = /^(pr|issue)\/#?(\d+)$/.exec(t);
  if (m && Number(m[2]) > 0) return { kind: m[1] as 'pr' | 'issue', number: Number(m[2]) };
  m = /^commit\/([0-9a-f]{7,64})$/i.exec(t);
  if (m) return { kind: 'commit', sha: m[1].toLowerCase() };
  throw new UsageError(`--target must be auto, pr, commit, pr/<N>, issue/<N> or commit/<sha>, got '${t}'`, { hint: 'keel comment report.md --target pr/12' });
}

interface Where {
  kind: ForgeKind;
  repo: string;
  apiBase: string;
  webBase: string;
  projectId?: string;
  ci?: CiContext;
}

/** Forge, repository and API base from flags, CI and git (no network). */
export async function resolveWhere(o: CommentOptions, ci: CiContext | undefined, git: Git | undefined): Promise<Where> {
  let spec: RepoSpec | undefined;
  let fromCi = false;
  if (o.repo !== undefined) {
    spec = parseRepo(o.repo);
    if (!spec) throw new UsageError(`--repo must be a repository URL or 'owner/name', got '${o.repo}'`);
  } else if (ci?.repo) {
    spec = { ...(parseRepo(ci.serverUrl ? `${ci.serverUrl.replace(/\/+$/, '')}/${ci.repo}` : ci.repo) ?? { path: ci.repo }) };
    fromCi = true;
  } else if (git) {
    const url = await git.configGet('remote.origin.url');
    if (url) spec = parseRepo(url);
  }
  if (!spec) {
    throw new UsageError('cannot tell which repository to comment on', {
      hint: "pass --repo <url or owner/name>, run inside a clone with a remote 'origin', or run in CI",
    });
  }
  const kind = o.forge ?? (fromCi ? ci?.forge : undefined) ?? forgeForHost(spec.host) ?? ci?.forge;
  if (!kind) {
    throw new UsageError(`cannot tell which forge hosts '${spec.origin ? `${spec.origin}/` : ''}${spec.path}'`, {
      hint: `pass --forge ${FORGE_KINDS.join('|')} (and --base-url for a self-hosted API)`,
    });
  }
  const ciMatches = ci !== undefined && ci.forge === kind && (fromCi || (ci.serverUrl !== undefined && spec.origin !== undefined && ci.serverUrl.startsWith(spec.origin)));
  const apiBase = (o.baseUrl ?? envVar(o.env, 'KEEL_FORGE_API_URL') ?? (ciMatches ? ci.apiUrl : undefined) ?? defaultApiBase(kind, spec.origin)).replace(/\/+$/, '');
  try {
    new URL(apiBase);
  } catch {
    throw new UsageError(`the API base URL '${apiBase}' is not a URL`, { hint: 'e.g. --base-url https://gitlab.example.com/api/v4' });
  }
  const webBase = kind === 'github' && ciMatches && ci.serverUrl ? ci.serverUrl.replace(/\/+$/, '') : webBaseFor(kind, apiBase);
  // a GitLab in a subpath: https://host/sub/group/project with the API at https://host/sub/api/v4
  let repo = spec.path;
  if (spec.origin && webBase.startsWith(spec.origin)) {
    const prefix = webBase.slice(spec.origin.length).replace(/^\/+/, '');
    if (prefix && repo.startsWith(prefix + '/')) repo = repo.slice(prefix.length + 1);
  }
  return { kind, repo, apiBase, webBase, projectId: kind === 'gitlab' && ciMatches ? ci.projectId : undefined, ci: ciMatches ? ci : undefined };
}

/** The report's local files and data: images, read and content-addressed. */
export function collectAssets(md: string, reportPath: string): { refs: ReturnType<typeof findLinks>; assets: (Asset | undefined)[] } {
  const refs = findLinks(md);
  const dir = path.dirname(reportPath);
  const assets = refs.map((r): Asset | undefined => {
    const loc = localUrl(r.url);
    if (!loc) return undefined;
    if (loc.kind === 'data') return makeAsset('data:' + loc.mime, loc.bytes, extForMime(loc.mime), loc.mime);
    const file = path.resolve(dir, loc.path);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      if (isErrno(e, 'EISDIR') && r.kind === 'link') return undefined;
      if (isErrno(e, 'ENOENT', 'EISDIR', 'ENOTDIR')) {
        throw new NotFoundError(`'${r.url}', referenced by ${path.basename(reportPath)}, does not exist (looked for '${file}')`, {
          hint: 'paths in the report are relative to the report file; fix the link, create the file, or pass --no-publish to post links as they are',
          data: { file, report: reportPath },
        });
      }
      throw e;
    }
    return makeAsset(loc.path, bytes, path.extname(loc.path));
  });
  return { refs, assets };
}

export async function comment(o: CommentOptions, io: Io): Promise<CommentResult> {
  const reportPath = path.resolve(o.cwd, o.report);
  let md: string;
  try {
    md = fs.readFileSync(reportPath, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'EISDIR')) throw new NotFoundError(`report '${o.report}' does not exist`, { hint: 'keel comment <report.md>', data: { file: reportPath } });
    throw e;
  }
  const spec = parseTargetSpec(o.target);
  const ciAll = detectCi(o.env, (p) => {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  });
  const git = await Git.open(o.cwd);
  const where = await resolveWhere(o, ciAll, git);
  const ci = where.ci;
  io.debug(`comment: ${where.kind} repository '${where.repo}', API ${where.apiBase}${ciAll ? `, CI ${ciAll.ci}` : ''}`);

  // read and hash the assets before any network call: a missing file fails fast
  const publish = o.publish !== false;
  const { refs, assets } = publish ? collectAssets(md, reportPath) : { refs: [], assets: [] };

  const tok = o.token !== undefined && o.token !== '' ? { token: o.token, from: '--token' } : tokenFromEnv(o.env, where.kind);
  if (!tok) throw new AuthError(`no ${where.kind} token`, { hint: tokenHint(where.kind) });
  io.debug(`comment: token from ${tok.from}`);

  const backoff = Number(envVar(o.env, 'KEEL_FORGE_BACKOFF_MS') ?? NaN);
  const { forge, close } = openForge({
    kind: where.kind,
    repo: where.repo,
    apiBase: where.apiBase,
    webBase: where.webBase,
    token: tok.token,
    projectId: where.projectId,
    env: o.env,
    log: { warn: (m) => io.warn(m), debug: (m) => io.debug(m) },
    backoffMs: Number.isFinite(backoff) && backoff >= 0 ? backoff : undefined,
  });
  try {
    let headSha: string | undefined;
    const sha = async (): Promise<string> => {
      headSha ??= ci?.sha ?? (await git?.headSha());
      if (!headSha) throw new UsageError('cannot tell which commit the report is about', { hint: 'run inside a git clone with a commit, in CI, or use --target commit/<sha> | pr/<N> | issue/<N>' });
      return headSha;
    };
    let target: Target;
    if (spec.kind === 'issue') target = spec;
    else if (spec.kind === 'commit') target = { kind: 'commit', sha: spec.sha ?? (await sha()) };
    else if (spec.kind === 'pr' && spec.number !== undefined) target = { kind: 'pr', number: spec.number };
    else {
      const s = ci?.pr === undefined ? await sha() : undefined;
      const pr = ci?.pr ?? (await forge.findPr(s!));
      if (pr !== undefined) target = { kind: 'pr', number: pr };
      else if (spec.kind === 'pr') {
        throw new NotFoundError(`no open pull request has commit ${s} as its head in ${where.repo}`, { hint: 'push the branch and open a pull request, or use --target commit / pr/<N>' });
      } else target = { kind: 'commit', sha: s! };
    }
    io.debug(`comment: target ${formatTarget(target)}`);

    // upload the unique assets, then point every reference at its hosted copy
    const unique = [...new Map(assets.filter((a): a is Asset => a !== undefined).map((a) => [a.sha256, a])).values()];
    const hosted = new Map<string, string>();
    if (unique.length) {
      const urls = await forge.uploadAssets(target, unique);
      unique.forEach((a, i) => hosted.set(a.sha256, urls[i]));
    }
    const rewritten = rewriteLinks(md, refs, assets.map((a) => (a ? hosted.get(a.sha256) : undefined)));
    const title = o.watermarkTitle === undefined ? undefined : fillTitle(o.watermarkTitle, { workflow: ciAll?.workflow, run: ciAll?.run });
    const body = withWatermark(rewritten, watermark(title));
    if (forge.maxBodyChars !== undefined && body.length > forge.maxBodyChars) {
      throw new UsageError(`the comment is ${body.length} characters; ${where.kind} accepts at most ${forge.maxBodyChars}`, {
        hint: 'shorten the report (images are uploaded, so inline data is not the cause unless --no-publish is set)',
        data: { chars: body.length, limit: forge.maxBodyChars },
      });
    }
    const existing = findWatermarked(await forge.listComments(target), watermark(title));
    const posted = existing ? await forge.updateComment(target, existing.id, body) : await forge.createComment(target, body);
    return {
      url: posted.url,
      id: posted.id,
      action: existing ? 'updated' : 'created',
      forge: where.kind,
      repo: where.repo,
      target: formatTarget(target),
      assets: unique.map((a) => ({ source: a.source, url: hosted.get(a.sha256)!, sha256: a.sha256, bytes: a.bytes.length })),
    };
  } finally {
    await close();
  }
}
