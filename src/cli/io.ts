/**
 * The terminal Io: progress bars on a TTY (stderr, redrawn at most 10×/s, cleared when done),
 * nothing when stderr is not a TTY or with -q; colours unless NO_COLOR; -v prints debug lines.
 */
import type { Io, Progress } from '../ops/io.js';

export interface TermOptions {
  quiet?: boolean;
  verbose?: boolean;
  json?: boolean;
}

export function colorEnabled(): boolean {
  return !('NO_COLOR' in process.env) && !!process.stderr.isTTY;
}

const paint = (code: string, s: string): string => (colorEnabled() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const red = (s: string): string => paint('31', s);
export const yellow = (s: string): string => paint('33', s);
export const dim = (s: string): string => paint('2', s);

function human(n: number, unit: string): string {
  if (unit !== 'bytes') return String(n);
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)}${u[i]}`;
}

export function terminalIo(o: TermOptions): Io {
  const showBars = !!process.stderr.isTTY && !o.quiet;
  return {
    progress(label, total, unit = 'files'): Progress {
      if (!showBars) return { tick() {}, update() {}, done() {} };
      let done = 0;
      let tot = total;
      let last = 0;
      const started = Date.now();
      const draw = (force = false): void => {
        const now = Date.now();
        if (!force && now - last < 100) return;
        if (!force && now - started < 300) return; // short operations stay silent
        last = now;
        const width = 24;
        let bar = '';
        if (tot) {
          const f = Math.min(1, done / tot);
          const full = Math.round(f * width);
          bar = `|${'█'.repeat(full)}${' '.repeat(width - full)}| ${Math.floor(f * 100)}% ${human(done, unit)}/${human(tot, unit)}`;
        } else bar = `${human(done, unit)}`;
        process.stderr.write(`\r\x1b[K${label} ${bar}`);
      };
      return {
        tick(n = 1) {
          done += n;
          draw();
        },
        update(d, t) {
          done = d;
          if (t !== undefined) tot = t;
          draw();
        },
        done() {
          if (last > 0) process.stderr.write('\r\x1b[K');
        },
      };
    },
    info(msg) {
      if (!o.quiet) process.stdout.write(msg + '\n');
    },
    warn(msg) {
      process.stderr.write(`${yellow('WARNING:')} ${msg}\n`);
    },
    debug(msg) {
      if (o.verbose) process.stderr.write(`${dim('DEBUG:')} ${msg}\n`);
    },
    async confirm(question) {
      if (!process.stdin.isTTY) return false;
      process.stderr.write(`${question} [y/n] `);
      const answer = await new Promise<string>((resolve) => {
        process.stdin.setEncoding('utf8');
        process.stdin.once('data', (d) => resolve(String(d)));
      });
      process.stdin.pause();
      return /^y(es)?$/i.test(answer.trim());
    },
  };
}
