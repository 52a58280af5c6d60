/** The repo's view of config/: typed lookups the other layers need (cache dir, link types, remotes). */
import * as path from 'node:path';
import { getRemote, loadConfig, type Config, type EnvSnapshot } from '../config/index.js';

export interface ResolvedRemote {
  name: string;
  url: string;
  settings: Record<string, string>;
  jobs?: number;
}

export class RepoConfig {
  constructor(
    readonly raw: Config,
    private readonly dvcDir: string,
  ) {}

  get env(): EnvSnapshot {
    return this.raw.env;
  }

  /** A value as a string (`cache.type` → "reflink,copy"), or undefined. */
  get(section: string, key: string): string | undefined {
    const v = this.raw.values.get(section)?.get(key);
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v.join(',') : String(v);
  }

  cacheDir(): string {
    return this.raw.cache.dir ?? path.join(this.dvcDir, 'cache');
  }

  remoteNames(): string[] {
    return Object.keys(this.raw.remotes).sort();
  }

  remote(name?: string, command = 'push'): ResolvedRemote {
    const r = getRemote(this.raw, name, command);
    const settings: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.settings)) settings[k] = Array.isArray(v) ? v.join(',') : String(v);
    const jobs = r.settings.jobs !== undefined ? Number(r.settings.jobs) : undefined;
    return { name: r.name, url: r.url, settings, jobs };
  }
}

export async function loadRepoConfig(dvcDir: string, env?: EnvSnapshot): Promise<RepoConfig> {
  return new RepoConfig(await loadConfig(dvcDir, { env }), dvcDir);
}
