import * as path from 'node:path';
import { env } from '../../config/env.js';
import { UsageError } from '../../errors/index.js';
import { ciInit, type CiInitResult } from '../../ops/ci.js';
import { CI_CREDENTIALS, type CiCredentials, type Forge } from '../../report/ci-templates.js';
import type { Command, CommandContext } from '../command.js';
import { gitAddHint, printJson } from '../open.js';

const FORGE_NAME: Record<Forge, string> = { github: 'GitHub Actions', gitlab: 'GitLab CI/CD' };

/** The human summary: what was written, from what, and the secrets to create. */
export function summary(r: CiInitResult): string {
  const L: string[] = [];
  const forgeWhy = r.forgeFrom === 'origin' ? ` (from origin ${r.origin})` : r.forgeFrom === 'default' ? ' (default; no GitHub/GitLab origin found)' : '';
  const credWhy =
    r.credentialsFrom === 'remote' ? ` (from the default remote '${r.remote!.name}' ${r.remote!.url})` : r.credentialsFrom === 'default' ? ' (no default remote)' : '';
  L.push(`${r.written ? (r.replaced ? 'Replaced' : 'Wrote') : 'Printed'} ${r.path}: ${FORGE_NAME[r.forge]}${forgeWhy}, credentials ${r.credentials}${credWhy}.`);
  const where =
    r.forge === 'github'
      ? 'repository secrets (Settings > Secrets and variables > Actions)'
      : 'CI/CD variables (Settings > CI/CD > Variables; masked, not protected)';
  if (r.secrets.length) {
    L.push(`Create these ${where}:`);
    const w = Math.max(...r.secrets.map((s) => s.name.length)) + 2;
    for (const s of r.secrets) L.push(`  ${s.name.padEnd(w)}${s.required ? '' : '(optional) '}${s.description}`);
  } else L.push('No secrets to create.');
  if (r.forge === 'github') L.push('The report job posts with the built-in GITHUB_TOKEN.');
  return L.join('\n') + '\n';
}

const command: Command = {
  spec: {
    name: 'ci',
    summary: 'Set up CI: train on pushes and pull requests, post a keel report on each pull request.',
    usage: 'ci init [--github | --gitlab] [--credentials s3|gcs|none] [--node 20] [--base main] [-f] [--stdout] [--json]',
    subcommands: ['init    write .github/workflows/keel.yml (GitHub) or .gitlab-ci.yml (GitLab)'],
    options: [
      { name: 'github', type: 'boolean', desc: 'write a GitHub Actions workflow (default: from the origin URL, else GitHub)' },
      { name: 'gitlab', type: 'boolean', desc: 'write a .gitlab-ci.yml' },
      { name: 'credentials', type: 'string', desc: `remote credentials from CI secrets: ${CI_CREDENTIALS.join(' | ')} (default: from the default remote)`, arg: '<kind>' },
      { name: 'node', type: 'string', desc: 'Node.js version of the CI jobs (default: 20)', arg: '<version>' },
      { name: 'base', type: 'string', desc: 'branch to train on pushes to and to compare reports against (default: main)', arg: '<branch>' },
      { name: 'force', short: 'f', type: 'boolean', desc: 'overwrite an existing CI file' },
      { name: 'stdout', type: 'boolean', desc: 'print the file instead of writing it' },
      { name: 'json', type: 'boolean', desc: 'print {path, forge, credentials, secrets, ...} as JSON' },
    ],
  },
  async run(ctx) {
    const [sub, ...rest] = ctx.args._;
    if (sub !== 'init') {
      throw new UsageError(sub ? `unknown subcommand 'ci ${sub}'` : 'missing subcommand: keel ci init', { hint: "see 'keel ci --help'" });
    }
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}' for 'keel ci init'`, { hint: "see 'keel ci --help'" });
    return init(ctx);
  },
};

async function init(ctx: CommandContext): Promise<number> {
  const a = ctx.args;
  if (a.github && a.gitlab) throw new UsageError('use only one of --github, --gitlab');
  const credentials = a.credentials as string | undefined;
  if (credentials !== undefined && !(CI_CREDENTIALS as readonly string[]).includes(credentials)) {
    throw new UsageError(`--credentials must be one of ${CI_CREDENTIALS.join(', ')}, got '${credentials}'`);
  }
  const r = await ciInit(
    ctx.cwd,
    {
      forge: a.github ? 'github' : a.gitlab ? 'gitlab' : undefined,
      credentials: credentials as CiCredentials | undefined,
      node: a.node as string | undefined,
      base: a.base as string | undefined,
      force: !!a.force,
      dryRun: !!a.stdout,
      env: env(),
    },
    ctx.io,
  );
  if (a.json) {
    printJson(ctx, {
      path: r.path,
      forge: r.forge,
      credentials: r.credentials,
      secrets: r.secrets,
      written: r.written,
      forgeFrom: r.forgeFrom,
      credentialsFrom: r.credentialsFrom,
      ...(r.remote ? { remote: r.remote } : {}),
      warnings: r.warnings,
      ...(a.stdout ? { text: r.text } : {}),
    });
    return 0;
  }
  for (const w of r.warnings) ctx.io.warn(w);
  if (a.stdout) {
    ctx.out(r.text);
    if (!a.quiet) process.stderr.write(summary(r));
    return 0;
  }
  if (!a.quiet) ctx.out(summary(r));
  gitAddHint(ctx, [path.relative(ctx.cwd, path.join(r.root, r.path)).split(path.sep).join('/')]);
  return 0;
}

export default command;
