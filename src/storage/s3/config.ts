/**
 * Pure resolution of an S3 remote's URL, settings and environment into client parameters.
 * No SDK import here: index.ts turns the result into an S3Client.
 */
import { ConfigError } from '../../errors/index.js';
import type { BackendOptions } from '../backend.js';

/** Where the objects live and how to reach them; `url` and `endpoint` never carry credentials. */
export interface S3Resolved {
  bucket: string;
  /** Key prefix inside the bucket: '' or ending in '/'. */
  prefix: string;
  /** `s3://bucket/prefix`, for messages. */
  url: string;
  /** Custom endpoint (MinIO, s3rver, …), or undefined for AWS. */
  endpoint?: string;
  /** Endpoint as shown in messages: the custom one, or AWS's regional one. */
  endpointLabel: string;
  region: string;
  /** True when no region was configured (follow the bucket's region redirects). */
  regionGuessed: boolean;
  /** Explicit keys from settings or env; undefined → the SDK's chain (profile, SSO, IMDS…). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  tls: boolean;
  /** DVC's `listobjects`: list with the legacy ListObjects (V1) API, for emulators lacking V2. */
  listV1: boolean;
  connectTimeoutMs: number;
  readTimeoutMs: number;
}

/** Default connect timeout: an unreachable endpoint fails in seconds, not minutes. */
export const CONNECT_TIMEOUT_MS = 4000;
/** Default socket inactivity timeout (DVC's read_timeout default is 60 s). */
export const READ_TIMEOUT_MS = 60_000;

/**
 * Resolve `s3://bucket/prefix` + settings (`endpointurl`, `region`, `profile`, `access_key_id`,
 * `secret_access_key`, `session_token`, `use_ssl`, `listobjects`, `connect_timeout` and
 * `read_timeout` in seconds)
 * + `opts.env` (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_PROFILE). Settings win over env.
 * Throws ConfigError for a URL without a bucket or a half-set key pair.
 */
export function resolveS3(opts: BackendOptions): S3Resolved {
  const { settings: s, env } = opts;
  const m = /^s3:\/\/(?:[^@/]*@)?([^/]+)\/*(.*)$/.exec(opts.url);
  if (!m || m[1] === '') throw new ConfigError(`remote URL '${redactUrl(opts.url)}' has no bucket`, { hint: 'use s3://<bucket>/<prefix>' });
  const bucket = m[1];
  const path = m[2].replace(/\/+$/, '');
  const prefix = path === '' ? '' : path + '/';
  const tls = !isFalse(s.use_ssl ?? 'true');
  let endpoint = s.endpointurl || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) endpoint = `${tls ? 'https' : 'http'}://${endpoint}`;
  const configuredRegion = s.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const region = configuredRegion ?? 'us-east-1';
  return {
    bucket,
    prefix,
    url: path === '' ? `s3://${bucket}` : `s3://${bucket}/${path}`,
    endpoint,
    endpointLabel: endpoint !== undefined ? redactUrl(endpoint) : `https://s3.${region}.amazonaws.com`,
    region,
    regionGuessed: configuredRegion === undefined,
    ...resolveCredentials(s, env),
    tls,
    listV1: s.listobjects !== undefined && !isFalse(s.listobjects),
    connectTimeoutMs: seconds(s.connect_timeout, 'connect_timeout') ?? CONNECT_TIMEOUT_MS,
    readTimeoutMs: seconds(s.read_timeout, 'read_timeout') ?? READ_TIMEOUT_MS,
  };
}

/**
 * Credentials in botocore's order: keys in the remote's settings; else an explicit profile
 * setting; else keys in env; else AWS_PROFILE; else the SDK's default chain.
 */
function resolveCredentials(
  s: Record<string, string>,
  env: Record<string, string | undefined>,
): Pick<S3Resolved, 'credentials' | 'profile'> {
  const pair = (id: string | undefined, secret: string | undefined, token: string | undefined, where: string) => {
    if (!id !== !secret) {
      throw new ConfigError(`${where}: access key id and secret access key must be set together`, {
        hint: 'set both access_key_id and secret_access_key (keel remote modify --local <name> …)',
      });
    }
    return id && secret ? { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) } : undefined;
  };
  const fromSettings = pair(s.access_key_id, s.secret_access_key, s.session_token, 'remote settings');
  if (fromSettings) return { credentials: fromSettings };
  if (s.profile) return { profile: s.profile };
  const fromEnv = pair(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, 'environment');
  if (fromEnv) return { credentials: fromEnv };
  return env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {};
}

const isFalse = (v: string): boolean => /^(false|no|off|0)$/i.test(v.trim());

function seconds(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`remote setting ${name} must be a positive number of seconds, got '${v}'`);
  return Math.round(n * 1000);
}

/** Drop `user:password@` from a URL so it can appear in messages. */
export function redactUrl(u: string): string {
  return u.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}
