/**
 * Hashing. DVC 3 hashes files with plain MD5 of the raw bytes (identical to md5sum). DVC 2 outputs
 * (no `hash: md5` in the entry) use "md5-dos2unix": CRLF → LF before hashing when the data looks
 * like text (dvc-compat.md §2.1).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

export type HashName = 'md5' | 'md5-dos2unix';

/** Files up to this size are read in one call; larger ones are streamed in chunks. */
export const SMALL_FILE = 1 << 20;
const CHUNK = 1 << 20;

export function md5Bytes(buf: Uint8Array | string): string {
  return createHash('md5').update(buf).digest('hex');
}

/** DVC's istextfile on a block's first 512 bytes: empty → text, NUL → binary, >30 % non-text → binary. */
export function looksLikeText(block: Uint8Array): boolean {
  const n = Math.min(block.length, 512);
  if (n === 0) return true;
  let nontext = 0;
  for (let i = 0; i < n; i++) {
    const b = block[i];
    if (b === 0) return false;
    const text = (b >= 32 && b <= 126) || b === 10 || b === 13 || b === 9 || b === 12 || b === 8;
    if (!text) nontext++;
  }
  return nontext / n <= 0.3;
}

/**
 * Streaming md5-dos2unix as current dvc-data does it: each 1 MiB chunk is tested on its first 512
 * bytes and, when text, has its CRLFs replaced. A CR at a chunk's end followed by LF in the next
 * chunk is handled by carrying the CR over.
 */
export class Dos2UnixHasher {
  private readonly h = createHash('md5');
  private carry = false;
  update(chunk: Uint8Array): void {
    if (!looksLikeText(chunk)) {
      if (this.carry) this.h.update(Buffer.from([13]));
      this.carry = false;
      this.h.update(chunk);
      return;
    }
    let data = Buffer.from(chunk);
    if (this.carry) data = Buffer.concat([Buffer.from([13]), data]);
    this.carry = data.length > 0 && data[data.length - 1] === 13;
    if (this.carry) data = data.subarray(0, data.length - 1);
    this.h.update(Buffer.from(data.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
  }
  digest(): string {
    if (this.carry) this.h.update(Buffer.from([13]));
    return this.h.digest('hex');
  }
}

interface Hasher {
  update(b: Uint8Array): unknown;
  digest(enc: 'hex'): string;
}

export function newHasher(name: HashName): Hasher {
  if (name === 'md5') return createHash('md5');
  const d = new Dos2UnixHasher();
  return { update: (b) => d.update(b), digest: () => d.digest() };
}

/** Hash a file synchronously (small files) — the fastest path on Node for many tiny files. */
let READ_BUF: Buffer | undefined;

export function hashFileSync(path: string, name: HashName = 'md5'): { md5: string; size: number } {
  const fd = fs.openSync(path, 'r');
  try {
    const h = newHasher(name);
    const buf = (READ_BUF ??= Buffer.allocUnsafe(CHUNK));
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      size += n;
      h.update(buf.subarray(0, n));
    }
    return { md5: h.digest('hex'), size };
  } finally {
    fs.closeSync(fd);
  }
}

/** Hash a file with a stream (large files; keeps the event loop free). */
export async function hashFile(path: string, name: HashName = 'md5'): Promise<{ md5: string; size: number }> {
  const h = newHasher(name);
  let size = 0;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: CHUNK })) {
    size += (chunk as Buffer).length;
    h.update(chunk as Buffer);
  }
  return { md5: h.digest('hex'), size };
}
