import { env } from '../../config/env.js';
import { UsageError } from '../../errors/index.js';
import { comment } from '../../ops/comment.js';
import { FORGE_KINDS, type ForgeKind } from '../../report/forge.js';
import type { Command } from '../command.js';
import { printJson } from '../open.js';

const command: Command = {
  spec: {
    name: 'comment',
    summary:
      'Post a Markdown report as a comment on a pull request, commit or issue (GitHub, GitLab, Gitea, Bitbucket Cloud), updating the previous one with the same watermark; local images are uploaded to the forge.',
    usage: 'comment <report.md> [--target auto|pr|commit|commit/<sha>|pr/<N>|issue/<N>] [options]',
    args: [{ name: 'report.md', required: true }],
    options: [
      { name: 'target', short: 't', type: 'string', desc: 'where to comment: auto (the open PR of the commit, else the commit), pr, commit, pr/<N>, issue/<N>, commit/<sha>', arg: '<target>' },
      { name: 'watermark-title', type: 'string', desc: 'one comment per title: update the comment with this title ({workflow} and {run} are filled from CI)', arg: '<title>' },
      { name: 'forge', type: 'string', desc: `github|gitlab|gitea|bitbucket (default: from CI or the remote's host)`, arg: '<forge>' },
      { name: 'repo', type: 'string', desc: 'repository URL or owner/name (default: from CI, else remote.origin.url)', arg: '<repo>' },
      { name: 'base-url', type: 'string', desc: 'API base URL, e.g. https://ghe.example.com/api/v3 (or KEEL_FORGE_API_URL)', arg: '<url>' },
      { name: 'token', type: 'string', desc: 'API token (default: REPO_TOKEN, repo_token, GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN, BITBUCKET_TOKEN)', arg: '<token>' },
      { name: 'publish', type: 'boolean', desc: 'upload local files and data: images the report links (default; --no-publish keeps links as written)' },
      { name: 'json', type: 'boolean', desc: 'print {url, id, action, forge, target, assets} as JSON' },
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const [report, ...extra] = a._;
    if (!report) throw new UsageError('keel comment needs a Markdown file', { hint: 'keel comment report.md' });
    if (extra.length) throw new UsageError(`keel comment takes one report file, got ${a._.length}`);
    const forge = a.forge as string | undefined;
    if (forge !== undefined && !(FORGE_KINDS as readonly string[]).includes(forge)) throw new UsageError(`--forge must be one of ${FORGE_KINDS.join(', ')}, got '${forge}'`);
    const str = (k: string): string | undefined => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
    const r = await comment(
      {
        cwd: ctx.cwd,
        env: env(),
        report,
        target: str('target'),
        watermarkTitle: str('watermarkTitle'),
        forge: forge as ForgeKind | undefined,
        repo: str('repo'),
        baseUrl: str('baseUrl'),
        token: str('token'),
        publish: a.publish !== false,
      },
      ctx.io,
    );
    if (a.json) printJson(ctx, r);
    else if (!a.quiet) ctx.out(`${r.url}\n`);
    return 0;
  },
};
export default command;
