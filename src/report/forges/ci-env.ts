/**
 * Pure: what the CI environment says about the forge, repository, commit, PR and run, and how a
 * repository URL or slug maps to a forge and its API. The GitHub event payload is read through
 * an injected `readFile`, so this stays testable with a plain object for the environment.
 */
import type { EnvSnapshot } from '../../config/env.js';
import type { ForgeKind } from '../forge.js';

export interface CiContext {
  /** which CI system set the variables */
  ci: 'github-actions' | 'gitea-actions' | 'gitlab-ci' | 'bitbucket-pipelines';
  forge: ForgeKind;
  /** web URL of the server (`https://github.com`, `https://gitlab.example.com/sub`) */
  serverUrl?: string;
  /** API base as the CI system gives it (`GITHUB_API_URL`, `CI_API_V4_URL`) */
  apiUrl?: string;
  /** `owner/name` (GitLab: full project path; Bitbucket: `workspace/slug`) */
  repo?: string;
  /** GitLab's numeric project id */
  projectId?: string;
  /** the commit the report is about (for pull_request events: the PR head, not the merge commit) */
  sha?: string;
  pr?: number;
  workflow?: string;
  run?: string;
}

function v(e: EnvSnapshot, name: string): string | undefined {
  const x = e[name];
  return x === undefined || x === '' ? undefined : x;
}

function int(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  return Number(s);
}

/**
 * The CI context, or undefined outside the CI systems keel knows.
 * `readFile(path)` returns a file's text or undefined (used for `GITHUB_EVENT_PATH`).
 */
export function detectCi(e: EnvSnapshot, readFile: (p: string) => string | undefined = () => undefined): CiContext | undefined {
  if (v(e, 'GITHUB_ACTIONS') === 'true' || v(e, 'GITEA_ACTIONS') === 'true') {
    const gitea = v(e, 'GITEA_ACTIONS') === 'true';
    const ctx: CiContext = {
      ci: gitea ? 'gitea-actions' : 'github-actions',
      forge: gitea ? 'gitea' : 'github',
      serverUrl: v(e, 'GITHUB_SERVER_URL'),
      apiUrl: v(e, 'GITHUB_API_URL'),
      repo: v(e, 'GITHUB_REPOSITORY'),
      sha: v(e, 'GITHUB_SHA'),
      workflow: v(e, 'GITHUB_WORKFLOW'),
      run: v(e, 'GITHUB_RUN_ID'),
    };
    const event = v(e, 'GITHUB_EVENT_NAME');
    const eventPath = v(e, 'GITHUB_EVENT_PATH');
    if (eventPath && (event === 'pull_request' || event === 'pull_request_target')) {
      let payload: { number?: unknown; pull_request?: { number?: unknown; head?: { sha?: unknown } } } | undefined;
      try {
        const text = readFile(eventPath);
        payload = text === undefined ? undefined : JSON.parse(text);
      } catch {
        payload = undefined;
      }
      const n = payload?.pull_request?.number ?? payload?.number;
      if (typeof n === 'number' && Number.isInteger(n)) ctx.pr = n;
      const head = payload?.pull_request?.head?.sha;
      if (typeof head === 'string' && /^[0-9a-f]{40,64}$/i.test(head)) ctx.sha = head;
    }
    // GITHUB_REF=refs/pull/<n>/merge is set on pull_request events even without a payload file
    if (ctx.pr === undefined) {
      const m = /^refs\/pull\/(\d+)\/(merge|head)$/.exec(v(e, 'GITHUB_REF') ?? '');
      if (m && (event === 'pull_request' || event === 'pull_request_target')) ctx.pr = Number(m[1]);
    }
    return ctx;
  }
  if (v(e, 'GITLAB_CI') === 'true' || v(e, 'CI_API_V4_URL')) {
    return {
      ci: 'gitlab-ci',
      forge: 'gitlab',
      serverUrl: v(e, 'CI_SERVER_URL'),
      apiUrl: v(e, 'CI_API_V4_URL'),
      repo: v(e, 'CI_PROJECT_PATH'),
      projectId: v(e, 'CI_PROJECT_ID'),
      sha: v(e, 'CI_COMMIT_SHA'),
      pr: int(v(e, 'CI_MERGE_REQUEST_IID')),
      workflow: v(e, 'CI_JOB_NAME'),
      run: v(e, 'CI_PIPELINE_ID'),
    };
  }
  if (v(e, 'BITBUCKET_BUILD_NUMBER') || v(e, 'BITBUCKET_REPO_FULL_NAME') || v(e, 'BITBUCKET_REPO_UUID')) {
    const full = v(e, 'BITBUCKET_REPO_FULL_NAME') ?? (v(e, 'BITBUCKET_WORKSPACE') && v(e, 'BITBUCKET_REPO_SLUG') ? `${v(e, 'BITBUCKET_WORKSPACE')}/${v(e, 'BITBUCKET_REPO_SLUG')}` : undefined);
    return {
      ci: 'bitbucket-pipelines',
      forge: 'bitbucket',
      repo: full,
      sha: v(e, 'BITBUCKET_COMMIT'),
      pr: int(v(e, 'BITBUCKET_PR_ID')),
      run: v(e, 'BITBUCKET_BUILD_NUMBER'),
    };
  }
  return undefined;
}

/** A repository named by URL (https, ssh, scp-like `git@host:path`) or by slug (`owner/name`). */
export interface RepoSpec {
  /** `https://host[:port]` for URLs; undefined for a bare slug */
  origin?: string;
  host?: string;
  /** the path without leading `/` and trailing `.git`: `owner/name`, `group/sub/project` */
  path: string;
}

/** Parse a remote URL or slug; credentials are dropped. Undefined when it is neither. */
export function parseRepo(s: string): RepoSpec | undefined {
  const t = s.trim();
  const clean = (p: string): string => p.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(t);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      return undefined;
    }
    const path = clean(decodeURIComponent(u.pathname));
    if (!path.includes('/')) return undefined;
    const web = u.protocol === 'http:' ? 'http:' : 'https:';
    // an ssh:// URL's port is the ssh port, not the web one
    const port = u.protocol === 'http:' || u.protocol === 'https:' ? (u.port ? `:${u.port}` : '') : '';
    return { origin: `${web}//${u.hostname}${port}`, host: u.hostname, path };
  }
  if (scp && !/^[a-z]:\\/i.test(t)) {
    const path = clean(scp[2]);
    if (!path.includes('/')) return undefined;
    return { origin: `https://${scp[1]}`, host: scp[1], path };
  }
  if (/^[\w.-]+(\/[\w.-]+)+$/.test(t)) return { path: clean(t) };
  return undefined;
}

/** The forge a host name suggests, if it is one keel recognises. */
export function forgeForHost(host: string | undefined): ForgeKind | undefined {
  if (!host) return undefined;
  const h = host.toLowerCase();
  if (h === 'github.com' || h === 'api.github.com' || h.endsWith('.ghe.com')) return 'github';
  if (h === 'gitlab.com' || /(^|[.-])gitlab([.-]|$)/.test(h)) return 'gitlab';
  if (/^(www\.)?bitbucket\.(org|com)$/.test(h) || h === 'api.bitbucket.org') return 'bitbucket';
  if (h === 'codeberg.org' || h === 'gitea.com' || /(^|[.-])(gitea|forgejo)([.-]|$)/.test(h)) return 'gitea';
  return undefined;
}

/** The default API base of a forge at `origin` (a web origin, possibly with a subpath). */
export function defaultApiBase(forge: ForgeKind, origin: string | undefined): string {
  const o = (origin ?? '').replace(/\/+$/, '');
  switch (forge) {
    case 'github':
      return !o || /^https?:\/\/(www\.)?github\.com$/i.test(o) ? 'https://api.github.com' : `${o}/api/v3`;
    case 'gitlab':
      return `${o || 'https://gitlab.com'}/api/v4`;
    case 'gitea':
      return `${o || 'https://gitea.com'}/api/v1`;
    case 'bitbucket':
      return 'https://api.bitbucket.org/2.0';
  }
}

/** The web base (where people and browsers go) that belongs to an API base. */
export function webBaseFor(forge: ForgeKind, apiBase: string): string {
  const a = apiBase.replace(/\/+$/, '');
  switch (forge) {
    case 'github':
      return /^https:\/\/api\.github\.com$/i.test(a) ? 'https://github.com' : a.replace(/\/api\/v3$/, '');
    case 'gitlab':
      return a.replace(/\/api\/v4$/, '');
    case 'gitea':
      return a.replace(/\/api\/v1$/, '');
    case 'bitbucket':
      return /^https:\/\/api\.bitbucket\.org\/2\.0$/i.test(a) ? 'https://bitbucket.org' : a.replace(/\/2\.0$/, '');
  }
}
