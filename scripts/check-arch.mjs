#!/usr/bin/env node
// Checks the layer rules of ARCHITECTURE.md over src/**/*.ts (plain Node, no dependencies).
//
//   node scripts/check-arch.mjs [--root <dir>]      (dir holds src/; default: the repository)
//
// Prints `file:line RULE message` per violation and exits 1, or one OK line and exits 0.
// Imports seen: `import … from '…'`, `import '…'`, `export … from '…'`, `import('…')`,
// `require('…')`. Comments are ignored; R4's checks also ignore string contents.
//
// LAYER  a layer imports only layers below it (same folder is fine):
//        errors < util < {storage, config, git} < data < {pipeline, report, model} < repo < ops
//        < src/index.ts < {cli, server}. Siblings on one rank do not import each other.
// R1     nothing imports cli/ or server/ (except from within themselves)
// R2     only storage/registry.ts imports a storage adapter (storage/<name>/, not wrap/);
//        @aws-sdk/* only inside storage/s3/
// R3     data/ never imports pipeline/, report/, model/, repo/, ops/
// R4     below cli/ and server/: no process.exit, console.*, process.argv; process.env only in config/
// R5     child_process only in git/ (runs git), pipeline/run.ts (runs user commands) and
//        cli/browser.ts (opens a file in the user's browser: an edge concern)
// R6     no import cycles between files (type-only imports are erased, so they don't count)
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const RANK = { errors: 0, util: 1, storage: 2, config: 2, git: 2, data: 3, pipeline: 4, report: 4, model: 4, repo: 5, ops: 6, 'index.ts': 7, cli: 8, server: 8 };
const EDGES = new Set(['cli', 'server']);
const DATA_FORBIDDEN = new Set(['pipeline', 'report', 'model', 'repo', 'ops']);

function parseArgs(argv) {
  const i = argv.indexOf('--root');
  return i >= 0 && argv[i + 1] ? resolve(argv[i + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const REGEX_PREV = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const REGEX_KEYWORDS = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|instanceof|yield|await)$/;

/**
 * Two views of `text`, same length and line breaks: `code` has comments blanked; `bare` also has
 * the contents of strings, templates and regex literals blanked (template `${…}` stays code).
 */
function views(text) {
  const code = text.split('');
  const bare = text.split('');
  const blank = (arr, from, to) => {
    for (let k = from; k < to; k++) if (arr[k] !== '\n') arr[k] = ' ';
  };
  const braces = []; // template nesting: depth of `{` inside each open `${`
  let i = 0;
  let prev = ''; // last significant character of code
  let prevWord = '';
  const n = text.length;
  const skipString = (q) => {
    let j = i + 1;
    while (j < n && text[j] !== q && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
    blank(bare, i + 1, j);
    i = j + 1;
  };
  const skipTemplate = () => {
    // from just after ` (or after the } closing a ${…}) to the closing ` or the next ${
    let j = i;
    while (j < n && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{')) j += text[j] === '\\' ? 2 : 1;
    blank(bare, i, j);
    if (text[j] === '`') i = j + 1;
    else {
      braces.push(0);
      i = j + 2;
    }
  };
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === '/' && d === '/') {
      let j = i;
      while (j < n && text[j] !== '\n') j++;
      blank(code, i, j);
      blank(bare, i, j);
      i = j;
    } else if (c === '/' && d === '*') {
      let j = text.indexOf('*/', i + 2);
      j = j < 0 ? n : j + 2;
      blank(code, i, j);
      blank(bare, i, j);
      i = j;
    } else if (c === "'" || c === '"') {
      skipString(c);
      prev = c;
    } else if (c === '`') {
      i++;
      skipTemplate();
      prev = '`';
    } else if (c === '}' && braces.length && braces[braces.length - 1] === 0) {
      braces.pop();
      i++;
      skipTemplate();
      prev = '`';
    } else if (c === '/' && (prev === '' || REGEX_PREV.has(prev) || REGEX_KEYWORDS.test(prevWord))) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== '\n' && (inClass || text[j] !== '/')) {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        j++;
      }
      blank(bare, i + 1, j);
      i = j + 1;
      prev = '/';
      prevWord = '';
    } else {
      if (braces.length && c === '{') braces[braces.length - 1]++;
      if (braces.length && c === '}') braces[braces.length - 1]--;
      if (!/\s/.test(c)) {
        prev = c;
        prevWord = /[\w$]/.test(c) ? prevWord + c : '';
      }
      i++;
    }
  }
  return { code: code.join(''), bare: bare.join('') };
}

const IMPORT_RES = [
  /\b(import|export)\s+(type\s+)?(?:[\w*${}\s,]+?\s+from\s*)?(['"])([^'"\n]+)\3/g,
  /\bimport\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g,
  /\brequire\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

function lineAt(text, index) {
  let line = 1;
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

function findImports(code, bare) {
  const found = [];
  for (const re of IMPORT_RES) {
    for (const m of code.matchAll(re)) {
      if (bare[m.index] !== code[m.index]) continue; // the keyword sits inside a string
      const isStatic = re === IMPORT_RES[0];
      const spec = isStatic ? m[4] : m[2];
      // `export const x = …` never reaches here; `import type`/`export type` are erased by tsc.
      found.push({ spec, typeOnly: isStatic && Boolean(m[2]), line: lineAt(code, m.index) });
    }
  }
  return found;
}

/** './x.js' from src/a/b.ts → 'a/x.ts' (relative to src), or undefined when it is not a file of src/. */
function resolveSpec(srcDir, fromRel, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(srcDir, dirname(fromRel), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts'), base];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return relative(srcDir, c).split(sep).join('/');
  return relative(srcDir, base.replace(/\.js$/, '.ts')).split(sep).join('/');
}

const layerOf = (rel) => (rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : rel);

/** `storage/s3/index.ts` → 's3' (an adapter folder), else undefined. */
function adapterOf(rel) {
  const m = /^storage\/([^/]+)\//.exec(rel);
  return m && m[1] !== 'wrap' ? m[1] : undefined;
}

export function check(root) {
  const srcDir = join(root, 'src');
  const files = walk(srcDir).map((p) => relative(srcDir, p).split(sep).join('/'));
  const violations = [];
  const add = (file, line, rule, message) => violations.push({ file: `src/${file}`, line, rule, message });
  const graph = new Map(); // file → [{to, line}] (value imports only)

  for (const file of files) {
    const text = readFileSync(join(srcDir, file), 'utf8');
    const { code, bare } = views(text);
    const layer = layerOf(file);
    const rank = RANK[layer];
    if (rank === undefined) add(file, 1, 'LAYER', `'${layer}' is not a layer of ARCHITECTURE.md`);
    const edges = [];
    graph.set(file, edges);

    for (const imp of findImports(code, bare)) {
      const { spec, line } = imp;
      if (spec === 'child_process' || spec === 'node:child_process') {
        if (layer !== 'git' && file !== 'pipeline/run.ts' && file !== 'cli/browser.ts') add(file, line, 'R5', `imports ${spec}: only git/ runs git and only pipeline/run.ts runs user commands`);
      }
      if (spec.startsWith('@aws-sdk/') && !file.startsWith('storage/s3/')) add(file, line, 'R2', `imports ${spec}: SDKs load inside their adapter (storage/s3/) only`);
      const target = resolveSpec(srcDir, file, spec);
      if (target === undefined) continue;
      if (target.startsWith('..')) {
        add(file, line, 'LAYER', `imports '${spec}' from outside src/`);
        continue;
      }
      if (!imp.typeOnly) edges.push({ to: target, line });
      const tLayer = layerOf(target);
      if (tLayer === layer) {
        const a = adapterOf(target);
        if (a && adapterOf(file) !== a && file !== 'storage/registry.ts') add(file, line, 'R2', `imports adapter ${target}: only storage/registry.ts may`);
        continue;
      }
      if (EDGES.has(tLayer)) {
        add(file, line, 'R1', `imports ${target}: nothing imports ${tLayer}/`);
        continue;
      }
      if (layer === 'data' && DATA_FORBIDDEN.has(tLayer)) {
        add(file, line, 'R3', `imports ${target}: data/ never imports ${tLayer}/`);
        continue;
      }
      if (adapterOf(target) && file !== 'storage/registry.ts') {
        add(file, line, 'R2', `imports adapter ${target}: only storage/registry.ts may`);
        continue;
      }
      const tRank = RANK[tLayer];
      if (rank !== undefined && tRank !== undefined && tRank >= rank) {
        add(file, line, 'LAYER', `${layer}/ imports ${target}: a layer imports only layers below it`);
      }
    }

    if (!EDGES.has(layer)) {
      const lines = bare.split('\n');
      lines.forEach((l, k) => {
        for (const m of l.matchAll(/\bprocess\s*\.\s*(exit|argv|env)\b|\bconsole\s*\.\s*\w+/g)) {
          if (m[1] === 'env' && layer === 'config') continue;
          const what = m[1] ? `process.${m[1]}` : m[0].replace(/\s/g, '');
          const why = m[1] === 'env' ? 'process.env is read only in config/ (use its env() snapshot)' : 'only cli/ and server/ may exit, print or read argv';
          add(file, k + 1, 'R4', `${what}: ${why}`);
        }
      });
    }
  }

  // R6: strongly connected components (Tarjan), one report per cycle.
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const sccs = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!graph.has(to)) continue;
      if (!idx.has(to)) {
        strong(to);
        low.set(v, Math.min(low.get(v), low.get(to)));
      } else if (on.has(to)) low.set(v, Math.min(low.get(v), idx.get(to)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      sccs.push(comp);
    }
  };
  for (const f of [...graph.keys()].sort()) if (!idx.has(f)) strong(f);
  for (const comp of sccs) {
    const set = new Set(comp);
    const selfLoop = comp.length === 1 && (graph.get(comp[0]) ?? []).some((e) => e.to === comp[0]);
    if (comp.length < 2 && !selfLoop) continue;
    // Walk inside the component from its first file back to it, for a readable path.
    const start = [...comp].sort()[0];
    const path = [start];
    const seen = new Set([start]);
    let firstLine = 1;
    let cur = start;
    for (;;) {
      const next = (graph.get(cur) ?? []).find((e) => set.has(e.to) && (e.to === start || !seen.has(e.to)));
      if (!next) break;
      if (cur === start) firstLine = next.line;
      path.push(next.to);
      if (next.to === start) break;
      seen.add(next.to);
      cur = next.to;
    }
    add(start, firstLine, 'R6', `import cycle: ${path.join(' -> ')}`);
  }

  violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { files: files.length, violations };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const root = parseArgs(process.argv.slice(2));
  const { files, violations } = check(root);
  for (const v of violations) console.log(`${v.file}:${v.line} ${v.rule} ${v.message}`);
  if (violations.length) {
    console.log(`check-arch: ${violations.length} violation(s) in ${files} files`);
    process.exit(1);
  }
  console.log(`check-arch: OK, ${files} files follow the layer rules (${Date.now() - started} ms)`);
}
