/**
 * Batched object reads: one `git cat-file --batch --buffer` process answers any number of
 * `<rev>:<path>` requests, in order (`--batch-check`: the header line only). Output per request is either
 *   `<sha> <type> <size>\n<size bytes>\n`   or   `<request> missing\n` / `<request> ambiguous\n`.
 */
import { GitError } from '../errors/index.js';
import { commandError, spawnError, spawnGit, type GitRunOptions } from './exec.js';

export interface CatFileObject {
  sha: string;
  type: string; // blob | tree | commit | tag
  data: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** A FIFO of byte chunks that concatenates only what a caller takes. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // read offset into chunks[0]
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Offset of the first `byte` from the read position, or -1. */
  indexOf(byte: number): number {
    let base = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      const start = i === 0 ? this.head : 0;
      const at = c.indexOf(byte, start);
      if (at >= 0) return base + at - start;
      base += c.length - start;
    }
    return -1;
  }

  take(n: number): Buffer {
    if (n > this.length) throw new Error('ByteQueue underflow');
    this.length -= n;
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const avail = c.length - this.head;
      const want = Math.min(avail, n - filled);
      c.copy(out, filled, this.head, this.head + want);
      filled += want;
      this.head += want;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }
}

/**
 * Resolve every object name in `names` (e.g. `HEAD:dvc.yaml`, `<sha>:data.dvc`) with one git
 * process. The result is aligned with `names`; missing or ambiguous names give `undefined`.
 * Names that cannot be sent over the line protocol (containing a newline) give `undefined` too.
 * In `check` mode (`--batch-check`) `data` is empty: only sha, type and existence are asked.
 */
export function catFileBatch(
  cwd: string,
  names: readonly string[],
  gopts: GitRunOptions = {},
  mode: 'contents' | 'check' = 'contents',
): Promise<(CatFileObject | undefined)[]> {
  const results: (CatFileObject | undefined)[] = new Array(names.length).fill(undefined);
  const sent: number[] = []; // indexes into names, in the order sent
  const lines: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (n.length === 0 || n.includes('\n') || n.includes('\0')) continue;
    sent.push(i);
    lines.push(n);
  }
  if (sent.length === 0) return Promise.resolve(results);

  const withData = mode === 'contents';
  const args = ['cat-file', withData ? '--batch' : '--batch-check', '--buffer'];
  return new Promise((resolve, reject) => {
    const child = spawnGit(cwd, args, gopts);
    const q = new ByteQueue();
    let k = 0; // next response index into `sent`
    let pending: { sha: string; type: string; size: number } | undefined;
    let stderr = '';
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      child.kill();
      reject(e);
    };

    const drain = (): void => {
      for (;;) {
        if (pending) {
          if (q.length < pending.size + 1) return;
          const data = pending.size === 0 ? Buffer.alloc(0) : Buffer.from(q.take(pending.size));
          q.take(1); // the LF after the content
          results[sent[k]] = { sha: pending.sha, type: pending.type, data };
          pending = undefined;
          k++;
          continue;
        }
        const nl = q.indexOf(0x0a);
        if (nl < 0) return;
        const line = q.take(nl).toString('utf8');
        q.take(1);
        if (k >= sent.length) return fail(new GitError(`unexpected output from 'git cat-file --batch': ${line}`, { data: { cwd } }));
        const asked = lines[k];
        if (line === `${asked} missing` || line === `${asked} ambiguous`) {
          k++;
          continue;
        }
        // `<sha> <type> <size>`
        const m = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(line);
        if (!m) return fail(new GitError(`unexpected output from 'git cat-file --batch': ${line}`, { data: { cwd, request: asked } }));
        if (!withData) {
          results[sent[k]] = { sha: m[1], type: m[2], data: EMPTY };
          k++;
          continue;
        }
        pending = { sha: m[1], type: m[2], size: Number(m[3]) };
      }
    };

    child.stdout!.on('data', (chunk: Buffer) => {
      q.push(chunk);
      if (!failed) drain();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => fail(spawnError(e, cwd, args, gopts.gitBinary ?? 'git')));
    child.on('close', (code) => {
      if (failed) return;
      if (code !== 0) return fail(commandError(cwd, args, code, stderr));
      if (k !== sent.length || pending) {
        return fail(new GitError(`'git cat-file --batch' ended early (${k} of ${sent.length} answers)`, { data: { cwd, stderr } }));
      }
      resolve(results);
    });
    child.stdin!.on('error', () => undefined); // EPIPE if git dies; reported on close
    child.stdin!.end(lines.join('\n') + '\n');
  });
}
