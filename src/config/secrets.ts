/**
 * Credentials in config. DVC writes them wherever asked (even to the git-tracked `.dvc/config`)
 * and `dvc config -l` prints them; keel does the same, but warns when one lands in `.dvc/config`
 * and offers `redact` for debug logs.
 */
import type { Level } from './files.js';

const SECRET_RE = /(secret|password|passphrase|token|_key)$|^(access_key_id|connection_string|oss_key_id)$/;
const URL_PASSWORD_RE = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*:)([^/@]*)@/;

/** True for options that hold credentials (`secret_access_key`, `password`, `token`, …); takes a key or a dotted name. */
export function isSecretKey(name: string): boolean {
  return SECRET_RE.test(name.slice(name.lastIndexOf('.') + 1).toLowerCase());
}

/** `value` safe for debug logs: a secret option becomes `***`, and so does a password inside a URL. */
export function redact(name: string, value: string): string {
  if (isSecretKey(name)) return '***';
  return value.replace(URL_PASSWORD_RE, '$1***@');
}

/** The warning for a credential written to the git-tracked `.dvc/config` (level repo), or undefined. */
export function secretWarning(level: Level, name: string, value?: string): string | undefined {
  if (level !== 'repo') return undefined;
  const what = isSecretKey(name)
    ? `'${name}'`
    : value !== undefined && URL_PASSWORD_RE.test(value)
      ? `the password in '${name}'`
      : undefined;
  return what && `${what} is stored in .dvc/config which is committed to git; use --local to keep it in .dvc/config.local (not committed) instead`;
}
