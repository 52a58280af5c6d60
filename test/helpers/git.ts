/**
 * Temp git repositories for tests. Tests may run git directly (rule R5 is about src/).
 * Git is isolated from the user's and system config, so hooks, signing and templates
 * cannot leak in.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Environment for test git processes: no global/system config, fixed identity and dates. */
export const gitTestEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'keel test',
  GIT_AUTHOR_EMAIL: 'test@keel.invalid',
  GIT_COMMITTER_NAME: 'keel test',
  GIT_COMMITTER_EMAIL: 'test@keel.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

/** Run git in `dir`, return stdout (trimmed of one trailing newline). */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: gitTestEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

export function makeTempDir(prefix = 'keel-test-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

/** A fresh temp dir with `git init -b main` and a local user.name/email. */
export function makeGitRepo(): string {
  const dir = makeTempDir('keel-git-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'keel test');
  git(dir, 'config', 'user.email', 'test@keel.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'config', 'tag.gpgsign', 'false');
  return dir;
}

/** Write files (paths relative to `dir`, parents created). */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, data] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
}

/** `git add -A && git commit -m msg`; returns the new HEAD sha. */
export function commitAll(dir: string, msg: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--no-verify', '--allow-empty', '-m', msg);
  return git(dir, 'rev-parse', 'HEAD');
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
