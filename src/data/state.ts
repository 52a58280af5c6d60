/**
 * The hash state: (inode, mtime, size) → md5, so an unchanged file is never hashed twice.
 *
 * Unlike DVC's state DB (keyed by absolute path under a per-checkout token, dvc issue #9813), the
 * key holds no path: a moved repository keeps its inodes and mtimes and so keeps every entry, and
 * files written by checkout/pull are recorded as they are written, so a fresh clone + pull starts
 * warm. It lives in `.dvc/tmp/keel-state` as an append-only text log, one `ino mtime size md5`
 * line per entry, loaded into a Map on first use (10k entries parse in a few ms, no native
 * module). Directories are remembered by a fingerprint of their listing (every file's relpath,
 * inode, mtime and size), so an unchanged directory's `.dir` oid needs no manifest rebuild.
 * A torn last line (process killed mid-append) is ignored. The log is rewritten
 * (atomically) when it grows to 4× its live entries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fs.js';

export interface StatLike {
  ino: number;
  mtimeMs: number;
  size: number;
}

const keyOf = (st: StatLike): string => `${st.ino} ${st.mtimeMs} ${st.size}`;

export class HashState {
  private map: Map<string, string> | undefined;
  private pending: string[] = [];
  private lines = 0;
  private tornTail = false;

  constructor(readonly file: string) {}

  private load(): Map<string, string> {
    if (this.map) return this.map;
    const map = new Map<string, string>();
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'latin1');
    } catch {
      /* no state yet */
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break; // a torn last line has no newline: ignored
      const line = text.slice(start, nl);
      start = nl + 1;
      const sp = line.lastIndexOf(' ');
      if (sp > 0 && line.length - sp === 33) {
        map.set(line.slice(0, sp), line.slice(sp + 1));
        this.lines++;
      }
    }
    this.tornTail = start < text.length;
    this.map = map;
    return map;
  }

  /** The md5 recorded for a file with exactly this stat, if any. */
  get(st: StatLike): string | undefined {
    return this.load().get(keyOf(st));
  }

  /** A value stored under a raw key (directory fingerprints: `D<md5 of the listing>`). */
  getRaw(key: string): string | undefined {
    return this.load().get(key);
  }

  setRaw(key: string, md5: string): void {
    const map = this.load();
    if (map.get(key) === md5) return;
    map.set(key, md5);
    this.pending.push(`${key} ${md5}\n`);
  }

  /** Record a file's md5 (kept in memory until `flush`). */
  set(st: StatLike, md5: string): void {
    const k = keyOf(st);
    const map = this.load();
    if (map.get(k) === md5) return;
    map.set(k, md5);
    this.pending.push(`${k} ${md5}\n`);
  }

  /** Append pending entries to the log (or compact it when mostly dead). */
  flush(): void {
    if (this.pending.length === 0) return;
    const map = this.load();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.lines += this.pending.length;
    if (this.lines > 4 * map.size && this.lines > 1000) {
      let out = '';
      for (const [k, v] of map) out += `${k} ${v}\n`;
      writeFileAtomicSync(this.file, out);
      this.lines = map.size;
    } else {
      // After a torn tail, start on a fresh line so the fragment can never merge into a valid key.
      fs.appendFileSync(this.file, (this.tornTail ? '\n' : '') + this.pending.join(''));
      this.tornTail = false;
    }
    this.pending = [];
  }
}
