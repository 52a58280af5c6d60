#!/usr/bin/env node
/**
 * keel's entry point: parse → lazy import of the one command → run → render → exit code.
 * Nothing heavy is imported before the command is known, so `keel --version` costs little more
 * than starting Node.
 */
import { readFileSync } from 'node:fs';

interface Entry {
  summary: string;
  load: () => Promise<{ default: import('./command.js').Command }>;
}

// The command table: names, one-line summaries and lazy loaders (help needs nothing else).
const COMMANDS: Record<string, Entry> = {
  init: { summary: 'Create a DVC/keel repository (.dvc/)', load: () => import('./commands/init.js') },
  add: { summary: 'Track files or directories: cache them and write .dvc files', load: () => import('./commands/add.js') },
  status: { summary: 'Show changed outputs, or cache vs remote with -c', load: () => import('./commands/status.js') },
  checkout: { summary: 'Restore tracked files from the cache', load: () => import('./commands/checkout.js') },
  commit: { summary: 'Record changes of tracked files in .dvc files and the cache', load: () => import('./commands/commit.js') },
  remove: { summary: 'Stop tracking: remove a .dvc file (and with --outs its data)', load: () => import('./commands/remove.js') },
  move: { summary: 'Rename a tracked file or directory and its .dvc file', load: () => import('./commands/move.js') },
  push: { summary: 'Upload tracked data to a remote', load: () => import('./commands/push.js') },
  pull: { summary: 'Download tracked data from a remote and check it out', load: () => import('./commands/pull.js') },
  fetch: { summary: 'Download tracked data from a remote into the cache', load: () => import('./commands/fetch.js') },
  gc: { summary: 'Delete unused objects from the cache (and remote with -c)', load: () => import('./commands/gc.js') },
  stage: { summary: 'Add a stage to dvc.yaml, or list the stages', load: () => import('./commands/stage.js') },
  dag: { summary: 'Show the pipeline graph (ASCII, --dot, --mermaid, --md)', load: () => import('./commands/dag.js') },
  freeze: { summary: 'Freeze stages so repro leaves them alone', load: () => import('./commands/freeze.js') },
  unfreeze: { summary: 'Unfreeze stages', load: () => import('./commands/unfreeze.js') },
  repro: { summary: 'Reproduce the pipeline: run changed stages in order, update dvc.lock', load: () => import('./commands/repro.js') },
  params: { summary: 'Compare params between revisions (params diff)', load: () => import('./commands/params.js') },
  metrics: { summary: 'Show metrics, or compare them between revisions', load: () => import('./commands/metrics.js') },
  plots: { summary: 'Render plots (show, diff across revisions), edit plot props, list templates', load: () => import('./commands/plots.js') },
  report: { summary: 'Write a Markdown report of two revisions: params and metrics diffs, plots as PNG', load: () => import('./commands/report.js') },
  remote: { summary: 'Manage remotes: add, default, modify, list, remove, rename', load: () => import('./commands/remote.js') },
  config: { summary: 'Read or write configuration values', load: () => import('./commands/config.js') },
  root: { summary: 'Print the repository root, relative to the current directory', load: () => import('./commands/root.js') },
  model: { summary: 'Package a trained model (save) or describe a package (show)', load: () => import('./commands/model.js') },
  apply: { summary: 'Score a JSON/JSONL/CSV file with a model package, in batches', load: () => import('./commands/apply.js') },
  ci: { summary: 'Set up CI (GitHub/GitLab): train on pushes and PRs, post a keel report on PRs', load: () => import('./commands/ci.js') },
  version: { summary: 'Print keel version and environment details', load: () => import('./commands/version.js') },
  comment: { summary: 'Post a Markdown report on a pull request, commit or issue (GitHub, GitLab, Gitea, Bitbucket)', load: () => import('./commands/comment.js') },
  serve: { summary: 'Serve a model package over HTTP (MLEM + MLflow routes, docs, metrics)', load: () => import('./commands/serve.js') },
  build: { summary: 'Write a Docker build context or Kubernetes manifests for a model package', load: () => import('./commands/build.js') },
};
const ALIASES: Record<string, string> = { rm: 'remove', mv: 'move' };

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length)) + 2;
  return [
    'usage: keel <command> [options]',
    '',
    'keel versions data, reproduces pipelines and serves models; it works on DVC 3 repositories as they are.',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(w)}${COMMANDS[n].summary}`),
    '',
    "Run 'keel <command> --help' for a command's options. Global: -v (debug), -q (quiet), --cd <path>, --version.",
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  // The AWS SDK warns on every S3 command that future releases need Node 22; keel pins a
  // release that supports Node 20, so the warning is noise for keel users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Stage commands can call this same keel as `node "$KEEL_BIN" …` (like DVC_ROOT, it is set for them).
  process.env.KEEL_BIN ??= process.argv[1];
  const first = argv[0];
  if (first === '--version' || first === '-V') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(mainHelp());
    return first === undefined ? 2 : 0;
  }
  const name = ALIASES[first] ?? first;
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`keel: '${first}' is not a keel command. See 'keel --help'.\n`);
    return 2;
  }
  const { runCommand } = await import('./run.js');
  return runCommand(name, entry.load, argv.slice(1), version);
}

// `keel … | head`: a closed stdout is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`keel: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
