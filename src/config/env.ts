/**
 * The environment. Rule R4: `config/` is the only code that reads `process.env`; everyone else
 * gets an `EnvSnapshot` from here (or from the caller) and passes it down explicitly.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export type EnvSnapshot = Readonly<Record<string, string | undefined>>;

/** A frozen copy of the process environment, taken now. */
export function env(): EnvSnapshot {
  return Object.freeze({ ...process.env });
}

/** One variable of `e`, with '' treated as unset. */
export function envVar(e: EnvSnapshot, name: string): string | undefined {
  const v = e[name];
  return v === undefined || v === '' ? undefined : v;
}

/** `$HOME`, falling back to the OS account's home directory. */
export function homeDir(e: EnvSnapshot): string {
  return envVar(e, 'HOME') ?? os.homedir();
}

/** Python's `os.path.expanduser` for `~` and `~/…` (not `~user`). */
export function expandUser(p: string, e: EnvSnapshot): string {
  if (p === '~') return homeDir(e);
  if (p.startsWith('~/')) return path.join(homeDir(e), p.slice(2));
  return p;
}

/**
 * The system and global config files, as DVC finds them (`dvc/dirs.py`, platformdirs with
 * appname "dvc"): `$DVC_SYSTEM_CONFIG_DIR` or the first of `$XDG_CONFIG_DIRS` (default
 * `/etc/xdg`) + `/dvc`; `$DVC_GLOBAL_CONFIG_DIR` or `$XDG_CONFIG_HOME` (default `~/.config`)
 * + `/dvc`. On macOS platformdirs uses `[~]/Library/Application Support/dvc` instead.
 */
export function globalConfigPaths(e: EnvSnapshot = env(), platform: NodeJS.Platform = process.platform): { system: string; global: string } {
  let systemDir = envVar(e, 'DVC_SYSTEM_CONFIG_DIR');
  let globalDir = envVar(e, 'DVC_GLOBAL_CONFIG_DIR');
  if (platform === 'darwin') {
    systemDir ??= '/Library/Application Support/dvc';
    globalDir ??= path.join(homeDir(e), 'Library/Application Support/dvc');
  } else {
    const xdgDirs = envVar(e, 'XDG_CONFIG_DIRS')?.trim().split(':')[0];
    const xdgHome = envVar(e, 'XDG_CONFIG_HOME')?.trim();
    systemDir ??= path.join(xdgDirs || '/etc/xdg', 'dvc');
    globalDir ??= path.join(xdgHome || path.join(homeDir(e), '.config'), 'dvc');
  }
  return { system: path.join(systemDir, 'config'), global: path.join(globalDir, 'config') };
}
