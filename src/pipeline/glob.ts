/** Minimal glob expansion for `--glob` targets: `*`, `?`, `[...]` within a segment, `**` across segments. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundError } from '../errors/index.js';
import { toPosix } from '../util/paths.js';

function segmentRegex(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** Absolute paths matching the absolute pattern `absPattern` (sorted). */
export function expandGlob(root: string, absPattern: string): string[] {
  const rel = toPosix(path.relative(root, absPattern));
  const segs = rel.split('/');
  const out: string[] = [];
  const walk = (dir: string, i: number): void => {
    if (i === segs.length) {
      out.push(dir);
      return;
    }
    const seg = segs[i];
    if (!/[*?[]/.test(seg)) {
      const next = path.join(dir, seg);
      if (fs.existsSync(next)) walk(next, i + 1);
      return;
    }
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (seg === '**') {
      walk(dir, i + 1);
      for (const e of ents) if (e.isDirectory() && e.name !== '.git' && e.name !== '.dvc') walk(path.join(dir, e.name), i);
      return;
    }
    const re = segmentRegex(seg);
    for (const e of ents) if (re.test(e.name) && !e.name.endsWith('.dvc')) walk(path.join(dir, e.name), i + 1);
  };
  walk(root, 0);
  if (out.length === 0) throw new NotFoundError(`no file matches the pattern '${rel}'`, { hint: 'check the pattern; quote it so the shell does not expand it' });
  return [...new Set(out)].sort();
}
