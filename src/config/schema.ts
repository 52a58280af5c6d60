/**
 * DVC's config schema (`dvc/config_schema.py`), as data: which sections and options exist, what
 * each option's value must look like, and the defaults DVC fills in. `validateConf` checks a
 * merged config and returns typed values; every error names the file, section and option.
 */
import { ConfigError } from '../errors/index.js';
import type { IniValue } from './ini.js';

/** Section label → option → value, as read from a file (keys lower-cased). */
export type Conf = Map<string, Map<string, IniValue>>;
export type ConfigValue = string | number | boolean | string[];
export type TypedConf = Map<string, Map<string, ConfigValue>>;

export const NAMED_KINDS = ['remote', 'machine', 'db'] as const;
export type NamedKind = (typeof NAMED_KINDS)[number];

/** `remote "x"` → {kind: 'remote', name: 'x'}; `core` → {name: 'core'}. */
export function parseLabel(label: string): { kind?: NamedKind; name: string } {
  const m = /^\s*(remote|machine|db)\s*"(.*)"\s*$/.exec(label);
  return m ? { kind: m[1] as NamedKind, name: m[2] } : { name: label };
}

export function namedLabel(kind: NamedKind, name: string): string {
  return `${kind} "${name}"`;
}

/** The dotted name `keel config` uses: `core.remote`, `remote.store.url`. */
export function dottedName(label: string, key: string): string {
  const { kind, name } = parseLabel(label);
  return kind ? `${kind}.${name}.${key}` : `${label}.${key}`;
}

type Kind = 'str' | 'bool' | 'lower' | 'int' | 'int1' | 'pct' | 'float' | 'float0' | 'cachetype' | 'boolstr';
interface KeySpec {
  kind: Kind;
  choices?: string[];
  default?: boolean;
}
type SectionSpec = Record<string, KeySpec>;

/** `'name:kind(a|b)=default …'` → SectionSpec. */
function keys(spec: string): SectionSpec {
  const out: SectionSpec = {};
  for (const tok of spec.trim().split(/\s+/)) {
    const m = /^(\w+):(\w+)(?:\(([^)]*)\))?(?:=(true|false))?$/.exec(tok);
    if (!m) throw new Error(`bad schema token ${tok}`);
    out[m[1]] = { kind: m[2] as Kind, choices: m[3]?.split('|'), default: m[4] === undefined ? undefined : m[4] === 'true' };
  }
  return out;
}

const REMOTE_COMMON = 'url:str checksum_jobs:int1 jobs:int1 worktree:bool no_traverse:bool version_aware:bool';
const LOCAL_COMMON = 'type:cachetype protected:bool=false shared:lower(group) slow_link_warning:bool=true verify:bool=false';
const HTTP_COMMON =
  'auth:lower(basic|digest|custom) custom_auth_header:str user:str password:str ask_password:bool ssl_verify:boolstr ' +
  'method:str connect_timeout:float0 read_timeout:float0 verify:bool=false';
const WEBDAV_COMMON =
  'user:str password:str ask_password:bool token:str custom_auth_header:str cert_path:str key_path:str timeout:int ' +
  'ssl_verify:boolstr verify:bool=false';

/** Remote options by URL scheme ('' = local path). `remote://` accepts anything. */
export const REMOTE_SCHEMAS: Record<string, SectionSpec> = {
  '': keys(`${LOCAL_COMMON} ${REMOTE_COMMON}`),
  s3: keys(
    'region:str profile:str credentialpath:str configpath:str endpointurl:str access_key_id:str secret_access_key:str ' +
      'session_token:str listobjects:bool=false use_ssl:bool=true allow_anonymous_login:bool=false ssl_verify:boolstr ' +
      'sse:str sse_kms_key_id:str sse_customer_algorithm:str sse_customer_key:str acl:str grant_read:str grant_read_acp:str ' +
      `grant_write_acp:str grant_full_control:str cache_regions:bool read_timeout:int connect_timeout:int verify:bool=false ${REMOTE_COMMON}`,
  ),
  gs: keys(`projectname:str credentialpath:str endpointurl:str verify:bool=false allow_anonymous_login:bool=false ${REMOTE_COMMON}`),
  ssh: keys(
    'type:cachetype port:int user:str password:str ask_password:bool passphrase:str ask_passphrase:bool keyfile:str ' +
      `timeout:int gss_auth:bool allow_agent:bool max_sessions:int verify:bool=false ${REMOTE_COMMON}`,
  ),
  hdfs: keys(`user:str kerb_ticket:str replication:int ${REMOTE_COMMON}`),
  webhdfs: keys(
    'kerberos:bool kerberos_principal:str proxy_to:str ssl_verify:boolstr token:str use_https:bool user:str password:str ' +
      `data_proxy_target:str verify:bool=false ${REMOTE_COMMON}`,
  ),
  azure: keys(
    'connection_string:str sas_token:str account_name:str account_key:str tenant_id:str client_id:str client_secret:str ' +
      'allow_anonymous_login:bool exclude_environment_credential:bool exclude_visual_studio_code_credential:bool ' +
      'exclude_shared_token_cache_credential:bool exclude_managed_identity_credential:bool verify:bool=false timeout:int ' +
      `read_timeout:int connection_timeout:int ${REMOTE_COMMON}`,
  ),
  oss: keys(`oss_key_id:str oss_key_secret:str oss_endpoint:str verify:bool=true ${REMOTE_COMMON}`),
  gdrive: keys(
    'profile:str gdrive_use_service_account:bool gdrive_client_id:str gdrive_client_secret:str ' +
      'gdrive_user_credentials_file:str gdrive_service_account_user_email:str gdrive_service_account_json_file_path:str ' +
      `gdrive_trash_only:bool=false gdrive_acknowledge_abuse:bool=false verify:bool=true ${REMOTE_COMMON}`,
  ),
  http: keys(`${HTTP_COMMON} ${REMOTE_COMMON}`),
  https: keys(`${HTTP_COMMON} ${REMOTE_COMMON}`),
  webdav: keys(`${WEBDAV_COMMON} ${REMOTE_COMMON}`),
  webdavs: keys(`${WEBDAV_COMMON} ${REMOTE_COMMON}`),
};

/** Plain sections, in DVC's schema order. */
export const SECTIONS: Record<string, SectionSpec> = {
  core: keys(
    'remote:lower checksum_jobs:int1 interactive:bool=false analytics:bool=true hardlink_lock:bool=false ' +
      'no_scm:bool=false autostage:bool=false experiments:bool check_update:bool=true site_cache_dir:str machine:lower',
  ),
  cache: keys(`local:str s3:str gs:str hdfs:str webhdfs:str ssh:str azure:str dir:str ${LOCAL_COMMON}`),
  state: keys('dir:str row_limit:int1 row_cleanup_quota:pct'),
  index: keys('dir:str'),
  feature: keys('machine:bool=false'),
  plots: keys('html_template:str auto_open:bool=false out_dir:str'),
  exp: keys('code:str data:str models:str metrics:str params:str plots:str live:str auto_push:bool git_remote:str'),
  parsing: keys('bool:lower(store_true|boolean_optional) list:lower(nargs|append)'),
  hydra: keys('enabled:bool=false config_dir:str config_module:str config_name:str plugins_path:str'),
  studio: keys('token:str url:str repo_url:str offline:bool=false'),
};

const NAMED_SCHEMAS: Record<'machine' | 'db', SectionSpec> = {
  machine: keys(
    'cloud:lower(aws|azure) region:lower(us-west|us-east|eu-west|eu-north) image:str spot:bool spot_price:float ' +
      'instance_hdd_size:int instance_type:lower instance_gpu:lower ssh_private:str startup_script:str setup_script:str',
  ),
  db: keys('url:str username:str password:str'),
};

/** Options holding a filesystem path, resolved against the config file's directory. */
export const PATH_KEYS: Record<'cache' | NamedKind, readonly string[]> = {
  cache: ['dir'],
  remote: [
    'url',
    'gdrive_user_credentials_file',
    'gdrive_service_account_json_file_path',
    'credentialpath',
    'configpath',
    'keyfile',
    'cert_path',
    'key_path',
  ],
  machine: ['startup_script', 'setup_script'],
  db: [],
};

export function isPathKey(label: string, key: string): boolean {
  const { kind, name } = parseLabel(label);
  const k = kind ?? (name === 'cache' ? 'cache' : undefined);
  return k !== undefined && PATH_KEYS[k].includes(key);
}

/** The scheme DVC picks a remote schema by (`ByUrl`): '' unless the URL has `scheme://netloc`. */
export function urlScheme(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(url);
  return m && m[2] !== '' ? m[1].toLowerCase() : '';
}

const CACHE_TYPES = ['reflink', 'hardlink', 'symlink', 'copy'];

/** Check and convert one value; returns an error text (voluptuous' wording) on failure. */
function coerce(spec: KeySpec, v: IniValue): ConfigValue | { error: string } {
  if (spec.kind === 'cachetype') {
    const types = typeof v === 'string' ? v.split(',').map((t) => t.trim()) : v;
    const bad = types.filter((t) => !CACHE_TYPES.includes(t));
    return bad.length ? { error: `Unsupported cache type(s): ${bad.join(', ')}` } : types;
  }
  if (typeof v !== 'string') return { error: spec.kind === 'bool' ? 'expected true or false' : 'expected a single value, not a list' };
  const lower = v.toLowerCase();
  switch (spec.kind) {
    case 'str':
      return v;
    case 'bool':
      return lower === 'true' || lower === 'false' ? lower === 'true' : { error: 'expected true or false' };
    case 'boolstr':
      return lower === 'true' || lower === 'false' ? lower === 'true' : v;
    case 'lower':
      if (spec.choices && !spec.choices.includes(lower)) return { error: `expected one of ${spec.choices.join(', ')}` };
      return lower;
    case 'int':
    case 'int1':
    case 'pct': {
      const t = v.trim();
      if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) return { error: 'expected int' };
      const n = Number(t.replace(/_/g, ''));
      if (spec.kind === 'int1' && n < 1) return { error: 'value must be at least 1' };
      if (spec.kind === 'pct' && (n < 0 || n > 100)) return { error: 'value must be between 0 and 100' };
      return n;
    }
    case 'float':
    case 'float0': {
      // Python float(): digits (with _), point, exponent, or inf/infinity/nan, any case.
      const t = v.trim().toLowerCase();
      const special = /^([+-]?)(inf|infinity|nan)$/.exec(t);
      let n: number;
      if (special) n = special[2] === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
      else if (/^[+-]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:e[+-]?\d+)?$/.test(t)) n = Number(t.replace(/_/g, ''));
      else return { error: 'expected float' };
      if (spec.kind === 'float0' && !(n >= 0)) return { error: 'value must be at least 0' };
      return n;
    }
  }
}

/** Tells which file set a key (or, without key, defined a section), for messages. */
export type WhereFn = (label: string, key?: string) => string | undefined;

const SECTION_LIST = 'core, cache, remote "<name>", machine "<name>", db "<name>", state, index, feature, plots, exp, parsing, hydra, studio';

function checkSection(
  label: string,
  spec: SectionSpec,
  data: Map<string, IniValue>,
  where: WhereFn,
  what: string,
  opts: { dropUnknown?: string[] } = {},
): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>();
  for (const [key, raw] of data) {
    const ks = spec[key];
    const file = where(label, key);
    const info = { file, section: label, key };
    if (!ks) {
      if (opts.dropUnknown) {
        opts.dropUnknown.push(key);
        continue;
      }
      throw new ConfigError(`config file error: unknown option '${key}' ${what} in '${file}'`, {
        hint: `valid options ${what.replace(/^(in|for) /, 'for ')}: ${Object.keys(spec).join(', ')}`,
        data: info,
      });
    }
    const v = coerce(ks, raw);
    if (typeof v === 'object' && !Array.isArray(v)) {
      const shown = Array.isArray(raw) ? raw.join(', ') : raw;
      throw new ConfigError(`config file error: invalid value '${shown}' for '${dottedName(label, key)}' in '${file}': ${v.error}`, {
        hint: `fix it with 'keel config ${dottedName(label, key)} <value>' or edit the file`,
        data: info,
      });
    }
    out.set(key, v);
  }
  for (const [key, ks] of Object.entries(spec)) if (ks.default !== undefined && !out.has(key)) out.set(key, ks.default);
  return out;
}

/**
 * Validate a merged config the way DVC's schema does, and return typed values with DVC's
 * defaults filled in (every plain section is present, possibly empty). Unknown `feature.*`
 * options are dropped with a warning, like DVC. Throws ConfigError naming file, section, key.
 */
export function validateConf(conf: Conf, where: WhereFn): { values: TypedConf; warnings: string[] } {
  const values: TypedConf = new Map();
  const warnings: string[] = [];
  for (const [label, data] of conf) {
    const { kind, name } = parseLabel(label);
    if (kind === 'remote') {
      const url = data.get('url');
      if (url === undefined) {
        throw new ConfigError(`config file error: remote '${name}' has no 'url' (in '${where(label)}')`, {
          hint: `set it with 'keel remote modify ${name} url <url>', or remove the remote`,
          data: { file: where(label), section: label, key: 'url' },
        });
      }
      const scheme = typeof url === 'string' ? urlScheme(url) : '';
      if (scheme === 'remote') {
        values.set(label, new Map(data));
        continue;
      }
      const spec = REMOTE_SCHEMAS[scheme];
      if (!spec) {
        throw new ConfigError(`config file error: unsupported URL type ${scheme}:// for remote '${name}' in '${where(label, 'url')}'`, {
          hint: `supported: a local path, remote://, ${Object.keys(REMOTE_SCHEMAS).filter(Boolean).map((s) => `${s}://`).join(', ')}`,
          data: { file: where(label, 'url'), section: label, key: 'url' },
        });
      }
      values.set(label, checkSection(label, spec, data, where, `for ${scheme || 'a local'} remote '${name}'`));
    } else if (kind) {
      values.set(label, checkSection(label, NAMED_SCHEMAS[kind], data, where, `for ${kind} '${name}'`));
    } else if (SECTIONS[label]) {
      const dropped: string[] = [];
      const opts = label === 'feature' ? { dropUnknown: dropped } : {};
      values.set(label, checkSection(label, SECTIONS[label], data, where, `in section '${label}'`, opts));
      if (dropped.length) {
        const names = dropped.sort().map((k) => `'feature.${k}'`).join(', ');
        warnings.push(`${names} config option${dropped.length === 1 ? ' is' : 's are'} unsupported`);
      }
    } else {
      throw new ConfigError(`config file error: unknown section '[${label}]' in '${where(label)}'`, {
        hint: `valid sections: ${SECTION_LIST}`,
        data: { file: where(label), section: label },
      });
    }
  }
  for (const [label, spec] of Object.entries(SECTIONS)) if (!values.has(label)) values.set(label, checkSection(label, spec, new Map(), where, ''));
  const hydra = values.get('hydra');
  if (hydra?.has('config_dir') && hydra.has('config_module')) {
    throw new ConfigError("config file error: 'hydra.config_dir' and 'hydra.config_module' can't be used together", {
      hint: 'keep one of them',
      data: { file: where('hydra', 'config_module'), section: 'hydra', key: 'config_module' },
    });
  }
  return { values, warnings };
}
