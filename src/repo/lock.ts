/**
 * The repository lock at `.dvc/tmp/lock`, the same file DVC's write commands hold. The file holds
 * the owner's pid. A lock whose pid is dead (a process killed with SIGKILL, or DVC's leftover file)
 * is stale and is taken over; a live one is waited on for `timeoutMs`, then LockedError.
 * Taking over renames the stale file away first, so two stealers cannot both win.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isErrno, LockedError } from '../errors/index.js';
import { tempNameFor } from '../util/fs.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, 'EPERM');
  }
}

function readPid(file: string): { pid?: number; ageMs: number } | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const st = fs.statSync(file);
    const pid = Number.parseInt(text.trim(), 10);
    return { pid: Number.isFinite(pid) && pid > 0 ? pid : undefined, ageMs: Date.now() - st.mtimeMs };
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

function isStale(info: { pid?: number; ageMs: number }): boolean {
  if (info.pid === undefined) return info.ageMs > 2000; // torn write: give its writer a moment
  return info.pid !== process.pid && !pidAlive(info.pid);
}

export interface RepoLock {
  release(): void;
}

export async function acquireLock(file: string, timeoutMs = 3000): Promise<RepoLock> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return {
        release() {
          const info = readPid(file);
          if (info?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    const info = readPid(file);
    if (info && isStale(info)) {
      const aside = tempNameFor(file);
      try {
        fs.renameSync(file, aside);
        const moved = readPid(aside);
        // Someone replaced the stale lock with a live one between our read and rename: put it back.
        if (moved && !isStale(moved)) {
          try {
            fs.linkSync(aside, file);
          } catch {
            /* a third process got in; it holds the lock now */
          }
        }
        fs.rmSync(aside, { force: true });
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
      }
      continue;
    }
    if (Date.now() >= deadline) throw new LockedError(file);
    await new Promise((r) => setTimeout(r, 100));
  }
}
