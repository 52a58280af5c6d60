/**
 * `keel remote add|default|modify|list|remove|rename`, as DVC's `dvc/commands/remote.py` does
 * them: same files written, same checks, same messages. The default level is repo.
 * Remote names are lower-cased (DVC does the same on load).
 */
import { ConfigError, UsageError } from '../errors/index.js';
import { appropriateLevels, editLevel, LEVELS, mergeInto, readMerged, cloneConf, type EditContext, type EditResult, type Level, type LevelOptions } from './files.js';
import { formatValue } from './ini.js';
import { namedLabel, parseLabel, type Conf } from './schema.js';
import { secretWarning } from './secrets.js';

const label = (name: string): string => namedLabel('remote', name);

function notFound(name: string): ConfigError {
  return new ConfigError(`config file error: remote '${name}' doesn't exist.`, {
    hint: "'keel remote list' shows the configured remotes",
    data: { remote: name },
  });
}

function core(conf: Conf): Map<string, string | string[]> {
  let c = conf.get('core');
  if (!c) conf.set('core', (c = new Map()));
  return c;
}

/** The levels DVC revisits after remove/rename: local, repo, global, system — down to `level`, inclusive. */
function levelsDownTo(level: Level): Level[] {
  const top = [...LEVELS].reverse();
  return top.slice(0, top.indexOf(level) + 1);
}

/** `keel remote add [-d] [-f] NAME URL`. A relative local path is stored relative to the config file. */
export async function remoteAdd(
  opts: LevelOptions,
  name: string,
  url: string,
  flags: { default?: boolean; force?: boolean } = {},
): Promise<EditResult> {
  name = name.toLowerCase();
  const level = opts.level ?? 'repo';
  const messages = flags.default ? [`Setting '${name}' as a default remote.`] : [];
  await editLevel(opts, level, ({ conf, store }) => {
    if (conf.has(label(name)) && !flags.force) {
      throw new ConfigError(`config file error: remote '${name}' already exists. Use \`-f|--force\` to overwrite it.`, {
        data: { remote: name },
      });
    }
    conf.set(label(name), new Map([['url', store(label(name), 'url', url)]]));
    if (flags.default) core(conf).set('remote', name);
  });
  const w = secretWarning(level, `remote.${name}.url`, url);
  return { messages, warnings: w ? [w] : [] };
}

/** `keel remote default NAME` / `keel remote default --unset`. */
export async function remoteDefault(opts: LevelOptions, name: string | undefined, flags: { unset?: boolean } = {}): Promise<EditResult> {
  await editLevel(opts, opts.level ?? 'repo', ({ conf, below }) => {
    if (flags.unset) {
      conf.get('core')?.delete('remote');
      return;
    }
    if (!name) throw new UsageError('a remote name is required unless --unset is given');
    const n = name.toLowerCase();
    if (!conf.has(label(n)) && !below.has(label(n))) {
      throw new ConfigError('config file error: default remote must be present in remote list.', {
        hint: `add it first with 'keel remote add ${n} <url>'`,
        data: { remote: n },
      });
    }
    core(conf).set('remote', n);
  });
  return { messages: [], warnings: [] };
}

/** `keel remote default` without a name: the default remote, or undefined ("No default remote set", exit 1). */
export async function remoteDefaultGet(opts: LevelOptions): Promise<string | undefined> {
  const { merged } = await readMerged(opts, appropriateLevels(opts));
  const v = merged.conf.get('core')?.get('remote');
  return v === undefined ? undefined : formatValue(v);
}

/** `keel remote modify NAME OPTION VALUE` / `--unset`. The remote may live in a lower level. */
export async function remoteModify(
  opts: LevelOptions,
  name: string,
  option: string,
  value: string | undefined,
  flags: { unset?: boolean } = {},
): Promise<EditResult> {
  name = name.toLowerCase();
  option = option.toLowerCase();
  if (!flags.unset && value === undefined) throw new UsageError('a value is required unless --unset is given');
  const level = opts.level ?? 'repo';
  await editLevel(opts, level, ({ conf, below, store }) => {
    if (!mergeInto(cloneConf(below), conf).has(label(name))) throw notFound(name);
    let sec = conf.get(label(name));
    if (!sec) conf.set(label(name), (sec = new Map()));
    if (flags.unset) sec.delete(option);
    else sec.set(option, store(label(name), option, value!));
  });
  const w = flags.unset ? undefined : secretWarning(level, `remote.${name}.${option}`, value);
  return { messages: [], warnings: w ? [w] : [] };
}

/** `keel remote list`: `name<TAB>url`, plus `<TAB>(default)` for the default (URLs of local remotes absolute). */
export async function remoteList(opts: LevelOptions): Promise<string[]> {
  const { merged } = await readMerged(opts, appropriateLevels(opts));
  const def = merged.conf.get('core')?.get('remote');
  const lines: string[] = [];
  for (const [l, sec] of merged.conf) {
    const { kind, name } = parseLabel(l);
    if (kind !== 'remote') continue;
    const url = formatValue(sec.get('url') ?? '');
    lines.push(name === def ? `${name}\t${url}\t(default)` : `${name}\t${url}`);
  }
  return lines;
}

function dropDefault(name: string) {
  return ({ conf }: EditContext): void => {
    if (conf.get('core')?.get('remote') === name) conf.get('core')!.delete('remote');
  };
}

function renameDefault(from: string, to: string) {
  return ({ conf }: EditContext): void => {
    if (conf.get('core')?.get('remote') === from) conf.get('core')!.set('remote', to);
  };
}

/** Skip repo/local when outside a repository (DVC would fail there). */
const usable = (opts: LevelOptions, level: Level): boolean => opts.dvcDir !== null || level === 'system' || level === 'global';

/**
 * `keel remote remove NAME`: removes it from the level, then clears `core.remote` where it
 * names the remote in that level and every level above it (local first), as DVC does.
 */
export async function remoteRemove(opts: LevelOptions, name: string): Promise<EditResult> {
  name = name.toLowerCase();
  const level = opts.level ?? 'repo';
  await editLevel(opts, level, ({ conf }) => {
    if (!conf.has(label(name))) throw notFound(name);
    conf.delete(label(name));
  });
  for (const l of levelsDownTo(level)) if (usable(opts, l)) await editLevel(opts, l, dropDefault(name));
  return { messages: [], warnings: [] };
}

/**
 * `keel remote rename OLD NEW`: fails if NEW exists at any level; moves the section (DVC puts
 * it after the other remotes) and updates `core.remote` in that level and the levels above.
 */
export async function remoteRename(opts: LevelOptions, name: string, newName: string): Promise<EditResult> {
  name = name.toLowerCase();
  newName = newName.toLowerCase();
  const level = opts.level ?? 'repo';
  const { merged } = await readMerged(opts, LEVELS);
  if (merged.conf.has(label(newName))) {
    throw new ConfigError(`config file error: Rename failed. Remote name '${newName}' already exists.`, { data: { remote: newName } });
  }
  await editLevel(opts, level, (ctx) => {
    const sec = ctx.conf.get(label(name));
    if (!sec) throw notFound(name);
    ctx.conf.set(label(newName), sec);
    ctx.conf.delete(label(name));
    renameDefault(name, newName)(ctx);
  });
  for (const l of levelsDownTo(level).slice(0, -1)) if (usable(opts, l)) await editLevel(opts, l, renameDefault(name, newName));
  return { messages: [], warnings: [] };
}
