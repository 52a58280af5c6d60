/** `keel remote add | default | modify | list | remove | rename` over config/ (DVC's text exactly). */
import * as path from 'node:path';
import { UsageError } from '../errors/index.js';
import {
  remoteAdd,
  remoteDefault,
  remoteDefaultGet,
  remoteList,
  remoteModify,
  remoteRemove,
  remoteRename,
  type EditResult,
  type EnvSnapshot,
  type Level,
  type LevelOptions,
} from '../config/index.js';
import { findRoot } from '../repo/index.js';

export interface RemoteOptions {
  cwd: string;
  env?: EnvSnapshot;
  level?: Level;
}

export function levelOptions(o: RemoteOptions): LevelOptions {
  let dvcDir: string | null = null;
  try {
    dvcDir = path.join(findRoot(o.cwd), '.dvc');
  } catch {
    dvcDir = null;
  }
  return { dvcDir, env: o.env, cwd: o.cwd, level: o.level };
}

export type RemoteAction =
  | { action: 'add'; name: string; url: string; default?: boolean; force?: boolean }
  | { action: 'default'; name?: string; unset?: boolean }
  | { action: 'modify'; name: string; option: string; value?: string; unset?: boolean }
  | { action: 'list' }
  | { action: 'remove'; name: string }
  | { action: 'rename'; name: string; newName: string };

export interface RemoteResult extends EditResult {
  /** lines for `list`, or the default remote name */
  lines?: string[];
  /** `remote default` with no default set */
  noDefault?: boolean;
}

export async function remote(o: RemoteOptions, a: RemoteAction): Promise<RemoteResult> {
  const lo = levelOptions(o);
  switch (a.action) {
    case 'add':
      return remoteAdd(lo, a.name, a.url, { default: a.default, force: a.force });
    case 'default': {
      if (!a.name && !a.unset) {
        const name = await remoteDefaultGet(lo);
        return { messages: [], warnings: [], lines: name ? [name] : [], noDefault: !name };
      }
      return remoteDefault(lo, a.name, { unset: a.unset });
    }
    case 'modify':
      return remoteModify(lo, a.name, a.option, a.value, { unset: a.unset });
    case 'list':
      return { messages: [], warnings: [], lines: await remoteList(lo) };
    case 'remove':
      return remoteRemove(lo, a.name);
    case 'rename':
      return remoteRename(lo, a.name, a.newName);
    default:
      throw new UsageError('unknown remote action');
  }
}
