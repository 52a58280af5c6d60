/** `keel version`: versions and environment facts (DVC's `version` / `doctor`). */
import * as os from 'node:os';
import { findRoot, Repo } from '../repo/index.js';
import { remoteKind } from '../storage/registry.js';

export interface VersionInfo {
  keel: string;
  node: string;
  platform: string;
  supports: string[];
  repo?: { root: string; cacheTypes: string[]; cacheDir: string; remotes: string[] };
}

export async function version(cwd: string, keelVersion: string): Promise<VersionInfo> {
  const info: VersionInfo = {
    keel: keelVersion,
    node: process.version,
    platform: `${os.platform()}-${os.release()}-${os.arch()}`,
    supports: ['local', 's3'],
  };
  try {
    findRoot(cwd);
    const repo = await Repo.open(cwd);
    try {
      info.repo = {
        root: repo.root,
        cacheTypes: repo.linkTypes,
        cacheDir: repo.cache.root,
        remotes: repo.config.remoteNames().map((n) => `${n} (${remoteKind(repo.config.remote(n).url)})`),
      };
    } finally {
      await repo.close();
    }
  } catch {
    /* not in a repo */
  }
  return info;
}
