import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { isErrno } from '../errors/index.js';

// 8 random characters per process + an 8-character counter: unique across processes and calls,
// without a random-number call per temp file (thousands of small objects per second).
const TEMP_PREFIX = randomBytes(6).toString('base64url');
let tempCounter = 0;

/** A temp name beside `target`, as DVC names its temps: `.<16 chars>.tmp`. */
export function tempNameFor(target: string): string {
  const n = (tempCounter++).toString(36).padStart(8, '0');
  const slash = target.lastIndexOf('/');
  return slash > 0 ? `${target.slice(0, slash)}/.${TEMP_PREFIX}${n}.tmp` : path.join(path.dirname(target), `.${TEMP_PREFIX}${n}.tmp`);
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
