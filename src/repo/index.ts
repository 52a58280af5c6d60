/**
 * The composition root of one workspace: finds the root, loads config, opens the cache, the hash
 * state, git, the .dvcignore filter and remotes, and takes the repo lock for write commands.
 * Everything below receives these parts; nothing below opens them itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotARepoError } from '../errors/index.js';
import { toPosix } from '../util/paths.js';
import { LocalCache } from '../data/cache.js';
import { HashState } from '../data/state.js';
import { parseLinkTypes, type LinkType } from '../data/checkout.js';
import type { IgnoreFilter } from '../data/build.js';
import { collectWorkspaceOutputs } from '../pipeline/collect.js';
import type { Output } from '../pipeline/dvcfile.js';
import { Git } from '../git/index.js';
import { DvcIgnore } from '../git/dvcignore.js';
import { openBackend } from '../storage/registry.js';
import { withRetry } from '../storage/wrap/retry.js';
import { withLimit } from '../storage/wrap/limit.js';
import type { Backend } from '../storage/backend.js';
import { acquireLock, type RepoLock } from './lock.js';
import { loadRepoConfig, type RepoConfig } from './config.js';

export interface OpenOptions {
  /** take `.dvc/tmp/lock` (write commands) */
  lock?: boolean;
  lockTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

/** The directory holding `.dvc/`, searching upward from `cwd`. */
export function findRoot(cwd: string): string {
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.statSync(path.join(dir, '.dvc'), { throwIfNoEntry: false })?.isDirectory()) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new NotARepoError(cwd);
    dir = up;
  }
}

export class Repo {
  private lockHandle?: RepoLock;
  private readonly remotes = new Map<string, Backend>();

  private constructor(
    readonly root: string,
    readonly config: RepoConfig,
    readonly cache: LocalCache,
    readonly state: HashState,
    readonly git: Git | undefined,
    readonly ignore: IgnoreFilter,
    readonly cwd: string,
  ) {}

  get dvcDir(): string {
    return path.join(this.root, '.dvc');
  }

  get linkTypes(): LinkType[] {
    return parseLinkTypes(this.config.get('cache', 'type'));
  }

  static async open(cwd: string, o: OpenOptions = {}): Promise<Repo> {
    const root = findRoot(cwd);
    const dvcDir = path.join(root, '.dvc');
    let lock: RepoLock | undefined;
    if (o.lock) lock = await acquireLock(path.join(dvcDir, 'tmp', 'lock'), o.lockTimeoutMs);
    try {
      const config = await loadRepoConfig(dvcDir, o.env);
      const state = new HashState(path.join(dvcDir, 'tmp', 'keel-state'));
      const cacheDir = config.cacheDir();
      const cache = new LocalCache(path.resolve(cacheDir), state);
      const noScm = config.get('core', 'no_scm') === 'true';
      const git = noScm ? undefined : await Git.open(root);
      const ignore = await DvcIgnore.load(root);
      const repo = new Repo(root, config, cache, state, git, ignore, path.resolve(cwd));
      repo.lockHandle = lock;
      return repo;
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  /** Posix path relative to the root. */
  rel(abs: string): string {
    return toPosix(path.relative(this.root, abs)) || '.';
  }

  /** Path as shown to the user: relative to the cwd the command ran in. */
  display(abs: string): string {
    return toPosix(path.relative(this.cwd, abs)) || '.';
  }

  outputs(): Output[] {
    return collectWorkspaceOutputs(this.root, this.ignore);
  }

  /** Open (once) the named remote or the default one, wrapped with retry and a concurrency limit. */
  async remote(name?: string): Promise<{ name: string; backend: Backend; jobs: number }> {
    const r = this.config.remote(name);
    let be = this.remotes.get(r.name);
    const jobs = r.jobs ?? 16;
    if (!be) {
      be = withRetry(withLimit(await openBackend({ url: r.url, settings: r.settings, env: this.config.env }), jobs));
      this.remotes.set(r.name, be);
    }
    return { name: r.name, backend: be, jobs };
  }

  async close(): Promise<void> {
    try {
      this.state.flush();
      for (const be of this.remotes.values()) await be.close();
    } finally {
      this.lockHandle?.release();
    }
  }
}

/** Open, run `fn`, always close (flush state, release the lock). */
export async function withRepo<T>(cwd: string, o: OpenOptions, fn: (repo: Repo) => Promise<T>): Promise<T> {
  const repo = await Repo.open(cwd, o);
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}
