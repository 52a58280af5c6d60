import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { isErrno } from '../errors/index.js';

/** A temp name beside `target`, as DVC names its temps: `.<random>.tmp`. */
export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `.${randomBytes(12).toString('base64url')}.tmp`);
}

/** True for names made by `tempNameFor` (leftovers of a killed process are recognisable). */
export function isTempName(name: string): boolean {
  return /^\.[A-Za-z0-9_-]{16}\.tmp$/.test(name);
}

/** Write `data` to `file` atomically: temp file in the same dir, fsync-free rename over. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const tmp = tempNameFor(file);
  try {
    await fsp.writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array, mode?: number): void {
  const tmp = tempNameFor(file);
  try {
    fs.writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return false;
    throw e;
  }
}

export function existsSync(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return false;
    throw e;
  }
}

export async function readTextIfExists(p: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(p, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return undefined;
    throw e;
  }
}
