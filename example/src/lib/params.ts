/**
 * Reads `params.yaml` (in the working directory, as the guide's `yaml.safe_load(open("params.yaml"))`).
 *
 * The stage scripts have no npm dependency, so this is a small reader for the YAML a params file
 * uses: nested block mappings, scalars (int, float, bool, null, quoted or plain strings), flow
 * sequences of scalars (`[1, 2]`), block sequences of scalars, and comments. Anything else is an
 * error that names the line, never a silent misread.
 */
import { readFileSync } from 'node:fs';

export type Scalar = string | number | boolean | null;
export type Value = Scalar | Value[] | { [key: string]: Value };

function fail(file: string, line: number, msg: string): never {
  throw new Error(`${file}:${line}: ${msg}`);
}

/** Strip a trailing ` # comment` that is outside quotes. */
function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || s[i - 1] === ' ' || s[i - 1] === '\t')) return s.slice(0, i);
  }
  return s;
}

export function parseScalar(raw: string, file = 'params.yaml', line = 0): Scalar {
  const s = raw.trim();
  if (s === '' || s === '~' || /^(null|Null|NULL)$/.test(s)) return null;
  if (/^(true|True|TRUE)$/.test(s)) return true;
  if (/^(false|False|FALSE)$/.test(s)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16);
  if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(s)) return NaN;
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) fail(file, line, `unterminated string ${s}`);
    return JSON.parse(s) as string;
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) fail(file, line, `unterminated string ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{&*!|>%@`]/.test(s)) fail(file, line, `unsupported YAML value ${s}`);
  return s;
}

function parseFlowSequence(s: string, file: string, line: number): Scalar[] {
  const inner = s.slice(1, -1).trim();
  if (inner === '') return [];
  return inner.split(',').map((x) => parseScalar(x, file, line));
}

/** Parse the YAML subset described above. */
export function parseParamsYaml(text: string, file = 'params.yaml'): { [key: string]: Value } {
  const root: { [key: string]: Value } = {};
  // stack of open mappings / sequences with their indentation
  const stack: { indent: number; node: { [key: string]: Value } | Value[] }[] = [{ indent: -1, node: root }];
  let pendingKey: { parent: { [key: string]: Value }; key: string; indent: number } | null = null;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const raw = stripComment(lines[n]).replace(/\s+$/, '');
    if (raw.trim() === '' || raw.trim() === '---') continue;
    if (/^\t/.test(raw)) fail(file, lineNo, 'tabs are not allowed for indentation');
    const indent = raw.length - raw.trimStart().length;
    const body = raw.trim();

    if (pendingKey) {
      // the value of `key:` is the block that starts here (deeper), or null
      if (indent > pendingKey.indent) {
        const node: { [key: string]: Value } | Value[] = body.startsWith('- ') || body === '-' ? [] : {};
        pendingKey.parent[pendingKey.key] = node;
        stack.push({ indent, node });
      } else {
        pendingKey.parent[pendingKey.key] = null;
      }
      pendingKey = null;
    }
    while (stack.length > 1 && indent < stack[stack.length - 1].indent) stack.pop();
    const top = stack[stack.length - 1];
    if (indent !== top.indent && top.indent !== -1) fail(file, lineNo, 'bad indentation');
    if (top.indent === -1) top.indent = indent;

    if (Array.isArray(top.node)) {
      const m = /^-(?:\s+(.*))?$/.exec(body);
      if (!m) fail(file, lineNo, 'expected a sequence item');
      top.node.push(parseScalar(m[1] ?? '', file, lineNo));
      continue;
    }
    const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#'"][^:]*?)\s*:(?:\s+(.*))?$/.exec(body);
    if (!m) fail(file, lineNo, `expected "key: value", got ${body}`);
    const key = String(parseScalar(m[1], file, lineNo));
    const rest = (m[2] ?? '').trim();
    if (Object.prototype.hasOwnProperty.call(top.node, key)) fail(file, lineNo, `duplicate key ${key}`);
    if (rest === '') {
      pendingKey = { parent: top.node, key, indent };
    } else if (rest.startsWith('[') && rest.endsWith(']')) {
      top.node[key] = parseFlowSequence(rest, file, lineNo);
    } else {
      top.node[key] = parseScalar(rest, file, lineNo);
    }
  }
  if (pendingKey) pendingKey.parent[pendingKey.key] = null;
  return root;
}

/** The `section` mapping of params.yaml in the working directory. */
export function loadParams(section: string, file = 'params.yaml'): { [key: string]: Value } {
  const all = parseParamsYaml(readFileSync(file, 'utf8'), file);
  const sec = all[section];
  if (!sec || typeof sec !== 'object' || Array.isArray(sec)) {
    throw new Error(`${file}: no "${section}" section`);
  }
  return sec;
}

/** A numeric parameter, checked. */
export function num(
  params: { [key: string]: Value },
  key: string,
  check: { integer?: boolean; min?: number; max?: number } = {},
): number {
  const v = params[key];
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`params.yaml: ${key} must be a number, got ${JSON.stringify(v)}`);
  if (check.integer && !Number.isInteger(v)) throw new Error(`params.yaml: ${key} must be an integer, got ${v}`);
  if (check.min !== undefined && v < check.min) throw new Error(`params.yaml: ${key} must be >= ${check.min}, got ${v}`);
  if (check.max !== undefined && v > check.max) throw new Error(`params.yaml: ${key} must be <= ${check.max}, got ${v}`);
  return v;
}
