/**
 * Object ids and their place in a cache or remote: the only code that knows the layout
 * (dvc-compat.md §2.2, §3.2). DVC 3: `files/md5/<h[0:2]>/<h[2:]>`; legacy (DVC 2): `<h[0:2]>/<h[2:]>`.
 * A directory's oid ends in `.dir`.
 */
import type { HashName } from './hash.js';

export interface Oid {
  /** lowercase hex md5, with `.dir` suffix for directory manifests */
  value: string;
  /** 'md5' for DVC 3 outputs, 'md5-dos2unix' for legacy DVC 2 ones */
  name: HashName;
}

const OID_RE = /^[0-9a-f]{32}(\.dir)?$/;

export function isValidOid(value: string): boolean {
  return OID_RE.test(value);
}

export function isDirOid(value: string): boolean {
  return value.endsWith('.dir');
}

/** The key of an object relative to a cache / remote root. */
export function oidKey(value: string, name: HashName = 'md5'): string {
  const rel = `${value.slice(0, 2)}/${value.slice(2)}`;
  return name === 'md5' ? `files/md5/${rel}` : rel;
}

/** Parse a key back to an oid (undefined for keys that are not objects, e.g. runs/, temp files). */
export function keyToOid(key: string): Oid | undefined {
  let name: HashName = 'md5-dos2unix';
  let rest = key;
  if (key.startsWith('files/md5/')) {
    name = 'md5';
    rest = key.slice('files/md5/'.length);
  }
  const m = /^([0-9a-f]{2})\/([0-9a-f]{30}(?:\.dir)?)$/.exec(rest);
  if (!m) return undefined;
  return { value: m[1] + m[2], name };
}

export function oidId(o: Oid): string {
  return `${o.name}:${o.value}`;
}
