/**
 * Builds the Forge adapter for a forge kind: auth headers from the token, the HTTP client
 * (proxies, retries) and the adapter. The only file that imports the four adapters.
 */
import type { EnvSnapshot } from '../../config/env.js';
import type { Forge, ForgeKind } from '../forge.js';
import { BitbucketForge } from './bitbucket.js';
import { GiteaForge } from './gitea.js';
import { GitHubForge } from './github.js';
import { GitLabForge } from './gitlab.js';
import { ForgeHttp, type Logger } from './http.js';

export interface ForgeSetup {
  kind: ForgeKind;
  /** `owner/name` (GitLab: full project path) */
  repo: string;
  apiBase: string;
  webBase: string;
  token: string;
  /** GitLab's numeric project id, when known (CI_PROJECT_ID) */
  projectId?: string;
  env: EnvSnapshot;
  log: Logger;
  backoffMs?: number;
  maxWaitMs?: number;
}

/** The variables keel reads a token from, in order: generic ones, this forge's own, then the others. */
export function tokenVars(kind: ForgeKind): string[] {
  const own: Record<ForgeKind, string[]> = {
    github: ['GITHUB_TOKEN'],
    gitlab: ['GITLAB_TOKEN'],
    gitea: ['GITEA_TOKEN', 'GITHUB_TOKEN'],
    bitbucket: ['BITBUCKET_TOKEN'],
  };
  const all = ['REPO_TOKEN', 'repo_token', ...own[kind], 'GITHUB_TOKEN', 'GITLAB_TOKEN', 'GITEA_TOKEN', 'BITBUCKET_TOKEN'];
  return [...new Set(all)];
}

/** The token from the environment and the variable it came from. */
export function tokenFromEnv(e: EnvSnapshot, kind: ForgeKind): { token: string; from: string } | undefined {
  for (const name of tokenVars(kind)) {
    const t = e[name];
    if (t !== undefined && t.trim() !== '') return { token: t.trim(), from: name };
  }
  return undefined;
}

/** What a 401/403 hint says: where the token comes from and the permission it needs. */
export function tokenHint(kind: ForgeKind): string {
  const vars = `--token, or one of ${tokenVars(kind).slice(0, 3).join(', ')}`;
  switch (kind) {
    case 'github':
      return `pass a token with ${vars}: in GitHub Actions 'REPO_TOKEN: \${{ secrets.GITHUB_TOKEN }}' with 'permissions: {pull-requests: write, issues: write, contents: write}' (contents for report images); a personal token needs the 'repo' scope`;
    case 'gitlab':
      return `pass a personal, project or group access token with the 'api' scope with ${vars} (CI_JOB_TOKEN cannot write notes)`;
    case 'gitea':
      return `pass an access token with the 'write:issue' and 'write:repository' scopes with ${vars}`;
    case 'bitbucket':
      return `pass 'username:app_password' (an app password with Pull requests: Write and Repositories: Write) or a repository access token with ${vars}`;
  }
}

export function authHeaders(kind: ForgeKind, token: string): Record<string, string> {
  switch (kind) {
    case 'github':
      return { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
    case 'gitlab':
      return { 'private-token': token };
    case 'gitea':
      return { authorization: `token ${token}` };
    case 'bitbucket':
      return { authorization: token.includes(':') ? `Basic ${Buffer.from(token).toString('base64')}` : `Bearer ${token}` };
  }
}

export function openForge(s: ForgeSetup): { forge: Forge; close(): Promise<void> } {
  const http = new ForgeHttp({
    forge: s.kind,
    apiBase: s.apiBase,
    auth: authHeaders(s.kind, s.token),
    token: s.token,
    tokenHint: tokenHint(s.kind),
    env: s.env,
    log: s.log,
    backoffMs: s.backoffMs,
    maxWaitMs: s.maxWaitMs,
  });
  let forge: Forge;
  switch (s.kind) {
    case 'github':
      forge = new GitHubForge(http, s.repo, s.webBase);
      break;
    case 'gitlab':
      forge = new GitLabForge(http, s.repo, s.webBase, s.projectId);
      break;
    case 'gitea':
      forge = new GiteaForge(http, s.repo);
      break;
    case 'bitbucket':
      forge = new BitbucketForge(http, s.repo, s.webBase);
      break;
  }
  return { forge, close: () => http.close() };
}
