/**
 * keel's config: `.dvc/config` and friends as typed data, and the edits `keel config` and
 * `keel remote` make, with DVC's files, messages and behaviours (`dvc/config.py`,
 * `dvc/commands/config.py`, `dvc/commands/remote.py`).
 *
 * Levels, later wins key by key: system, global, repo (`.dvc/config`), local
 * (`.dvc/config.local`). Relative paths in path options (`cache.dir`, a local remote's `url`,
 * `keyfile`, …) are relative to the directory of the file that set them; the loaded config
 * holds them absolute.
 *
 * This folder is the only code that reads `process.env` (rule R4): use `env()` for a snapshot.
 */
import * as path from 'node:path';
import { ConfigError, UsageError } from '../errors/index.js';
import { env as processEnv, type EnvSnapshot } from './env.js';
import { formatValue, type IniValue } from './ini.js';
import {
  configFiles,
  editLevel,
  LEVELS,
  appropriateLevels,
  readMerged,
  type ConfigScope,
  type Level,
  type EditResult,
  type LevelOptions,
} from './files.js';
import { secretWarning } from './secrets.js';
import { dottedName, namedLabel, parseLabel, urlScheme, validateConf, type Conf, type ConfigValue, type TypedConf } from './schema.js';

export { env, envVar, expandUser, globalConfigPaths, homeDir, type EnvSnapshot } from './env.js';
export { LEVELS, appropriateLevels, configFiles, type ConfigScope, type EditResult, type Level, type LevelOptions } from './files.js';
export type { Conf, ConfigValue, TypedConf } from './schema.js';
export { formatValue, type IniValue } from './ini.js';
export * from './remote.js';
export { isSecretKey, redact, secretWarning } from './secrets.js';

export interface CoreConfig {
  remote?: string;
  checksum_jobs?: number;
  interactive: boolean;
  analytics: boolean;
  hardlink_lock: boolean;
  no_scm: boolean;
  autostage: boolean;
  check_update: boolean;
  site_cache_dir?: string;
  machine?: string;
}

export interface CacheConfig {
  /** Absolute. */
  dir?: string;
  /** Link types to try, in order (`reflink,copy` → ['reflink', 'copy']). */
  type?: string[];
  shared?: 'group';
  slow_link_warning: boolean;
  verify: boolean;
  protected: boolean;
}

/** One remote's validated options; `url` is absolute for a local remote. */
export interface RemoteConfig {
  url: string;
  [option: string]: ConfigValue;
}

export interface Config {
  /** Absolute `.dvc` directory, or null outside a repository. */
  dvcDir: string | null;
  files: Partial<Record<Level, string>>;
  core: CoreConfig;
  cache: CacheConfig;
  remotes: Record<string, RemoteConfig>;
  /** Every section, validated and typed, DVC defaults filled in (labels: `core`, `remote "x"`). */
  values: TypedConf;
  /** Each level's data as stored in its file (keys lower-cased, paths unresolved). */
  levels: Partial<Record<Level, Conf>>;
  /** Which level set `label`/`key` (for `--show-origin` and messages). */
  origin(label: string, key?: string): Level | undefined;
  /** Non-fatal findings, e.g. unsupported `feature.*` options. */
  warnings: string[];
  env: EnvSnapshot;
}

/** Load, merge and validate every level. `dvcDir` null = outside a repository. */
export async function loadConfig(dvcDir: string | null, opts: { env?: EnvSnapshot; cwd?: string } = {}): Promise<Config> {
  const scope: ConfigScope = { dvcDir, env: opts.env ?? processEnv(), cwd: opts.cwd };
  const files = configFiles(scope);
  const { merged, raw } = await readMerged(scope, LEVELS);
  const { values, warnings } = validateConf(merged.conf, merged.where);
  const remotes: Record<string, RemoteConfig> = Object.create(null);
  for (const [label, v] of values) {
    const { kind, name } = parseLabel(label);
    if (kind === 'remote') remotes[name] = Object.fromEntries(v) as RemoteConfig;
  }
  return {
    dvcDir: files.repo ? path.dirname(files.repo) : null,
    files,
    core: Object.fromEntries(values.get('core')!) as unknown as CoreConfig,
    cache: Object.fromEntries(values.get('cache')!) as unknown as CacheConfig,
    remotes,
    values,
    levels: raw,
    origin: (label, key) => merged.level(label, key),
    warnings,
    env: scope.env!,
  };
}

/** A remote ready for storage/: its name, URL (`remote://` references resolved) and options. */
export interface RemoteInfo {
  name: string;
  url: string;
  settings: Record<string, ConfigValue>;
}

/**
 * The remote to use: `name`, else `core.remote` (DVC's `DataCloud.get_remote`). `remote://base/p`
 * URLs are resolved against remote `base`; `checksum_jobs` falls back to `core.checksum_jobs`.
 * `command` names the keel command in the "no remote" hint.
 */
export function getRemote(config: Config, name?: string, command = '<command>'): RemoteInfo {
  const chosen = name || config.core.remote;
  if (!chosen) {
    const where = config.dvcDir ? `'${path.dirname(config.dvcDir)}'` : 'this repository';
    const message = Object.keys(config.remotes).length
      ? `config file error: no remote specified in ${where}. Setup default remote with\n    keel remote default <remote name>\nor use:\n    keel ${command} -r <remote name>`
      : `config file error: no remote specified in ${where}. Create a default remote with\n    keel remote add -d <remote name> <remote url>`;
    throw new ConfigError(message, { hint: 'run `keel remote add -d <name> <url>` or pass -r <name>' });
  }
  const resolved = resolveRemote(config, chosen, new Set());
  const { url, ...settings } = resolved;
  if (settings.checksum_jobs === undefined && config.core.checksum_jobs) settings.checksum_jobs = config.core.checksum_jobs;
  return { name: chosen.toLowerCase(), url, settings };
}

function resolveRemote(config: Config, name: string, seen: Set<string>): RemoteConfig {
  const key = name.toLowerCase();
  const remote = Object.hasOwn(config.remotes, key) ? config.remotes[key] : undefined;
  if (!remote) {
    const fromDefault = key === config.core.remote && config.origin('core', 'remote');
    throw new ConfigError(`config file error: remote '${name}' doesn't exist`, {
      hint: fromDefault
        ? `core.remote in ${config.files[fromDefault]} names it; run 'keel remote default <name>' or 'keel remote add ${name} <url>'`
        : "'keel remote list' shows the configured remotes",
      data: { remote: name },
    });
  }
  const ref = /^remote:\/\/([^/?#]*)(.*)$/i.exec(remote.url);
  if (!ref || urlScheme(remote.url) !== 'remote') return { ...remote };
  if (seen.has(key)) throw new ConfigError(`config file error: remote '${name}' refers to itself through remote:// URLs`);
  seen.add(key);
  const base = resolveRemote(config, ref[1], seen);
  return { ...base, ...remote, url: `${base.url}/${ref[2].replace(/^\/+/, '')}` };
}

// ---- keel config ----------------------------------------------------------------------------

/** A parsed `section.option` / `remote.name.option` / `db.name.option`. */
export interface ConfigName {
  label: string;
  kind?: 'remote' | 'db';
  section: string;
  option: string;
}

/** DVC's NAME_REGEX; section and option are lower-cased. */
export function parseConfigName(name: string): ConfigName {
  const m = /^(?:(remote|db)\.)?([^.]*)\.([^.]*)$/.exec(name);
  if (!m) throw new UsageError('name argument should look like remote.name.option or db.name.option or section.option');
  const kind = m[1] as 'remote' | 'db' | undefined;
  const section = m[2].toLowerCase();
  return { kind, section, option: m[3].toLowerCase(), label: kind ? namedLabel(kind, section) : section };
}

function check(conf: Conf, n: ConfigName, withOption = true): void {
  const what = n.kind ?? 'section';
  const sec = conf.get(n.label);
  if (!sec) throw new ConfigError(`config file error: ${what} '${n.section}' doesn't exist`, { data: { section: n.label } });
  if (withOption && !sec.has(n.option)) {
    throw new ConfigError(`config file error: option '${n.option}' doesn't exist in ${what} '${n.section}'`, {
      data: { section: n.label, key: n.option },
    });
  }
}

/** `keel config NAME`: the value from the highest level that has it (paths resolved). */
export async function getValue(opts: LevelOptions, name: string): Promise<{ value: string; level: Level; file: string } | undefined> {
  const n = parseConfigName(name);
  const files = configFiles(opts);
  for (const level of appropriateLevels(opts).reverse()) {
    const { merged } = await readMerged(opts, [level]);
    try {
      check(merged.conf, n);
    } catch (e) {
      if (opts.level) throw e;
      continue;
    }
    return { value: formatValue(merged.conf.get(n.label)!.get(n.option)!), level, file: files[level]! };
  }
  return undefined;
}

export interface ListedValue {
  level: Level;
  file: string;
  /** Dotted name: `core.remote`, `remote.store.url`. */
  name: string;
  value: string;
}

/** `keel config --list`: per level, named sections first (as DVC orders them), paths resolved. */
export async function listValues(opts: LevelOptions): Promise<ListedValue[]> {
  const files = configFiles(opts);
  const out: ListedValue[] = [];
  for (const level of appropriateLevels(opts)) {
    const { merged } = await readMerged(opts, [level]);
    const rank = (label: string): number => ['remote', 'machine', 'db', undefined].indexOf(parseLabel(label).kind);
    const labels = [...merged.conf.keys()].map((l, i) => ({ l, i })).sort((a, b) => rank(a.l) - rank(b.l) || a.i - b.i);
    for (const { l } of labels) {
      for (const [key, v] of merged.conf.get(l)!) out.push({ level, file: files[level]!, name: dottedName(l, key), value: formatValue(v) });
    }
  }
  return out;
}

/** `keel config NAME VALUE` (default level: repo). */
export async function setValue(opts: LevelOptions, name: string, value: string): Promise<EditResult> {
  const n = parseConfigName(name);
  const level = opts.level ?? 'repo';
  await editLevel(opts, level, ({ conf, store }) => {
    let sec = conf.get(n.label);
    if (!sec) conf.set(n.label, (sec = new Map()));
    sec.set(n.option, store(n.label, n.option, value));
  });
  const warnings: string[] = [];
  const w = secretWarning(level, name, value);
  if (w) warnings.push(w);
  if (n.label === 'cache' && n.option === 'type') {
    warnings.push(
      "You have changed the 'cache.type' option. This doesn't update any existing workspace file links, " +
        "but it can be done with:\n             keel checkout --relink",
    );
  }
  return { messages: [], warnings };
}

/** `keel config --unset NAME` (default level: repo). */
export async function unsetValue(opts: LevelOptions, name: string): Promise<EditResult> {
  const n = parseConfigName(name);
  await editLevel(opts, opts.level ?? 'repo', ({ conf }) => {
    check(conf, n);
    conf.get(n.label)!.delete(n.option);
  });
  return { messages: [], warnings: [] };
}
