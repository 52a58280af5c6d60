/**
 * Pure: the URLs a Markdown report references (inline images and links, reference definitions,
 * `<img src>`), which of them are local files or `data:` images, and the rewrite that points
 * them at forge-hosted copies. Code spans, fenced code blocks and HTML comments are left alone.
 */
import { createHash } from 'node:crypto';
import type { Asset } from './forge.js';

export interface LinkRef {
  /** offsets of the destination in the Markdown text (the `<…>` brackets included, if any) */
  start: number;
  end: number;
  /** the destination as written (brackets removed) */
  url: string;
  kind: 'image' | 'link' | 'definition' | 'html';
}

/** The Markdown with code and HTML comments blanked to spaces (same length, same offsets). */
function maskCode(md: string): string {
  const out = md.split('');
  const blank = (a: number, b: number): void => {
    for (let k = a; k < b; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  // fenced code blocks
  const lines = md.split('\n');
  let pos = 0;
  let fence: { ch: string; len: number; from: number } | undefined;
  for (const line of lines) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && m[1][0] === fence.ch && m[1].length >= fence.len && line.trim() === m[1]) {
        blank(fence.from, pos + line.length);
        fence = undefined;
      }
    } else if (m) fence = { ch: m[1][0], len: m[1].length, from: pos };
    pos += line.length + 1;
  }
  if (fence) blank(fence.from, md.length);
  let text = out.join('');
  // HTML comments
  for (const m of text.matchAll(/<!--[\s\S]*?-->/g)) blank(m.index, m.index + m[0].length);
  text = out.join('');
  // inline code spans: a run of N backticks up to the next run of exactly N
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '`') {
      i++;
      continue;
    }
    let n = 0;
    while (text[i + n] === '`') n++;
    const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
    close.lastIndex = i + n;
    const c = close.exec(text);
    if (!c) {
      i += n;
      continue;
    }
    blank(i, c.index + n);
    i = c.index + n;
  }
  return out.join('');
}

/** Every link destination in `md`, in text order. */
export function findLinks(md: string): LinkRef[] {
  const mask = maskCode(md);
  const refs: LinkRef[] = [];
  // inline: [text](dest "title") and ![alt](dest)
  for (let idx = mask.indexOf('](', 0); idx >= 0; idx = mask.indexOf('](', idx + 2)) {
    const d = parseDestination(mask, idx + 2);
    if (!d) continue;
    // find the matching '[' to tell images from links
    let depth = 0;
    let open = -1;
    for (let k = idx; k >= 0; k--) {
      if (mask[k] === ']' && mask[k - 1] !== '\\') depth++;
      else if (mask[k] === '[' && mask[k - 1] !== '\\') {
        depth--;
        if (depth === 0) {
          open = k;
          break;
        }
      }
    }
    if (open < 0) continue;
    refs.push({ start: d.start, end: d.end, url: md.slice(d.urlStart, d.urlEnd), kind: mask[open - 1] === '!' ? 'image' : 'link' });
  }
  // reference definitions: [id]: dest
  for (const m of mask.matchAll(/^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)/gm)) {
    const dest = m[1];
    const start = m.index + m[0].length - dest.length;
    const br = dest.startsWith('<');
    refs.push({ start, end: start + dest.length, url: md.slice(start + (br ? 1 : 0), start + dest.length - (br ? 1 : 0)), kind: 'definition' });
  }
  // HTML images
  for (const m of mask.matchAll(/<img\b[^>]*?\bsrc\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi)) {
    const v = m[1];
    const start = m.index + m[0].length - v.length;
    const q = v.startsWith('"') || v.startsWith("'");
    refs.push({ start: start + (q ? 1 : 0), end: start + v.length - (q ? 1 : 0), url: md.slice(start + (q ? 1 : 0), start + v.length - (q ? 1 : 0)), kind: 'html' });
  }
  return refs.sort((a, b) => a.start - b.start);
}

/** The destination starting at `p` (just after `](`), if a well-formed `…)` follows. */
function parseDestination(s: string, p: number): { start: number; end: number; urlStart: number; urlEnd: number } | undefined {
  let i = p;
  while (s[i] === ' ' || s[i] === '\t') i++;
  const start = i;
  let urlStart = i;
  let urlEnd: number;
  if (s[i] === '<') {
    const close = s.indexOf('>', i);
    if (close < 0 || s.slice(i, close).includes('\n')) return undefined;
    urlStart = i + 1;
    urlEnd = close;
    i = close + 1;
  } else {
    let depth = 0;
    while (i < s.length && !/\s/.test(s[i])) {
      if (s[i] === '\\') i++;
      else if (s[i] === '(') depth++;
      else if (s[i] === ')') {
        if (depth === 0) break;
        depth--;
      }
      i++;
    }
    urlEnd = i;
  }
  const end = i;
  while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n') i++;
  if (s[i] === '"' || s[i] === "'" || s[i] === '(') {
    const closer = s[i] === '(' ? ')' : s[i];
    const c = s.indexOf(closer, i + 1);
    if (c < 0) return undefined;
    i = c + 1;
    while (s[i] === ' ' || s[i] === '\t') i++;
  }
  if (s[i] !== ')') return undefined;
  return { start, end, urlStart, urlEnd };
}

export type LocalUrl = { kind: 'file'; path: string } | { kind: 'data'; mime: string; bytes: Buffer };

/**
 * What keel uploads: a relative or absolute file path (query and fragment dropped, %-escapes and
 * backslash escapes decoded), or a base64 `data:image/…` URL. Anything with a scheme, `//host`,
 * or `#anchor` stays as it is (undefined).
 */
export function localUrl(url: string): LocalUrl | undefined {
  const u = url.trim();
  if (u === '' || u.startsWith('#') || u.startsWith('//')) return undefined;
  const data = /^data:(image\/[\w.+-]+)(?:;[\w-]+=[^;,]*)*;base64,([\s\S]*)$/i.exec(u);
  if (data) return { kind: 'data', mime: data[1].toLowerCase(), bytes: Buffer.from(data[2].replace(/\s+/g, ''), 'base64') };
  if (/^[a-z][a-z0-9+.-]*:/i.test(u)) return undefined;
  let p = u.replace(/[?#].*$/s, '').replace(/\\([!-/:-@[-`{-~])/g, '$1');
  try {
    p = decodeURIComponent(p);
  } catch {
    /* a literal % in the file name */
  }
  return p === '' ? undefined : { kind: 'file', path: p };
}

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

export function mimeForExt(ext: string): string {
  return MIME[ext.toLowerCase()] ?? 'application/octet-stream';
}

export function extForMime(mime: string): string {
  const e = Object.entries(MIME).find(([, m]) => m === mime);
  return e ? e[0] : '';
}

/** An Asset from bytes: content address and a file extension (from the name, else the MIME type). */
export function makeAsset(source: string, bytes: Buffer, ext: string, mime?: string): Asset {
  const e = ext.toLowerCase();
  return { source, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), ext: e, mime: mime ?? mimeForExt(e) };
}

/** Replace each ref's destination with `urls[i]` (undefined = keep), right to left. */
export function rewriteLinks(md: string, refs: readonly LinkRef[], urls: readonly (string | undefined)[]): string {
  let out = md;
  const order = refs.map((r, i) => [r, urls[i]] as const).sort((a, b) => b[0].start - a[0].start);
  for (const [r, u] of order) {
    if (u === undefined) continue;
    const dest = r.kind === 'html' ? u.replace(/"/g, '%22') : /[\s()<>]/.test(u) ? `<${u}>` : u;
    out = out.slice(0, r.start) + dest + out.slice(r.end);
  }
  return out;
}
