/**
 * SDK / network error → KeelError, and the transient-or-permanent decision. Duck-typed on the
 * SDK's error shape (`name`, `code`, `$metadata.httpStatusCode`, `$retryable`) so this file needs
 * no SDK import. A mapped error records `data.transient` so `isTransient` can answer from it.
 */
import { AuthError, isKeelError, NotFoundError, RemoteError } from '../../errors/index.js';

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** What a failed call was doing, for the message. */
export interface S3ErrorContext {
  op: string;
  url: string;
  bucket: string;
  endpointLabel: string;
  key?: string;
}

const AUTH = new Set([
  'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'ExpiredToken',
  'InvalidToken', 'TokenRefreshRequired', 'CredentialsProviderError', 'AllAccessDisabled',
]);
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const THROTTLE = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled',
  'RequestLimitExceeded', 'TooManyRequestsException', 'RequestTimeout', 'RequestTimeTooSkewed',
  'InternalError', 'ServiceUnavailable',
]);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CERT_HAS_EXPIRED']);
const RESET = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED']);

type Kind = 'notFound' | 'auth' | 'noBucket' | 'unreachable' | 'other';

/** Classify a raw SDK or network error. */
export function classify(err: unknown): { kind: Kind; transient: boolean } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode ?? 0;
  const code = e.code ?? '';
  const msg = e.message ?? '';
  if (name === 'NoSuchBucket') return { kind: 'noBucket', transient: false };
  if (NOT_FOUND.has(name) || status === 404) return { kind: 'notFound', transient: false };
  if (AUTH.has(name) || status === 401 || status === 403) return { kind: 'auth', transient: false };
  if (UNREACHABLE.has(code)) return { kind: 'unreachable', transient: false };
  // The SDK's connect timeout: never connected, so retrying the same endpoint rarely helps.
  if (name === 'TimeoutError' && /establish a connection/.test(msg)) return { kind: 'unreachable', transient: false };
  const transient =
    THROTTLE.has(name) || status === 429 || status >= 500 || RESET.has(code) || name === 'TimeoutError' ||
    /socket hang up/i.test(msg) || e.$retryable !== undefined;
  return { kind: 'other', transient };
}

/** True when retrying may help: a mapped KeelError's recorded flag, else a fresh classification. */
export function isTransientS3(err: unknown): boolean {
  if (isKeelError(err)) return err.data.transient === true;
  return classify(err).transient;
}

/** An error from the service, the SDK's credential chain or the network (not a bug in our code). */
function isSdkOrNetworkError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkErrorLike & { $fault?: unknown };
  return e.$metadata !== undefined || e.$fault !== undefined || typeof e.code === 'string' || e.name === 'TimeoutError' || AUTH.has(e.name ?? '');
}

/**
 * Map an SDK / network error to a KeelError (NOT_FOUND, AUTH, REMOTE). KeelErrors and anything
 * else (a programming error) pass through unchanged, so bugs keep their stack.
 */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): unknown {
  if (isKeelError(err) || !isSdkOrNetworkError(err)) return err;
  const { kind, transient } = classify(err);
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const status = e.$metadata?.httpStatusCode;
  const named = e.name !== undefined && !['Error', 'Unknown', 'UnknownError'].includes(e.name);
  const what = named ? e.name! : (e.code ?? (status ? `HTTP ${status}` : 'error'));
  const data = { url: ctx.url, ...(ctx.key !== undefined ? { key: ctx.key } : {}), ...(transient ? { transient } : {}) };
  switch (kind) {
    case 'notFound':
      return new NotFoundError(`object '${ctx.key ?? ''}' not found in '${ctx.url}'`, { cause: err, data });
    case 'auth':
      return new AuthError(`${ctx.endpointLabel} rejected the credentials for '${ctx.url}' (${what})`, {
        cause: err,
        data,
        hint:
          "set credentials with 'keel remote modify --local <name> access_key_id <id>' and " +
          "'keel remote modify --local <name> secret_access_key <secret>', or the AWS_ACCESS_KEY_ID / " +
          'AWS_SECRET_ACCESS_KEY environment variables; also check that they may access this bucket',
      });
    case 'noBucket':
      return bucketMissingError(ctx, err);
    case 'unreachable':
      return new RemoteError(`cannot reach ${ctx.endpointLabel} (${what})`, {
        cause: err,
        data: { ...data, endpoint: ctx.endpointLabel },
        hint: "check the network and the endpoint ('keel remote modify <name> endpointurl <url>')",
      });
    default: {
      const withStatus = status && !what.startsWith('HTTP') ? `${what} (HTTP ${status})` : what;
      const detail = `${withStatus}${e.message && e.message !== e.name && !/^(UnknownError|Unknown)?$/.test(e.message) ? `: ${e.message}` : ''}`;
      const subject = ctx.key !== undefined ? `'${ctx.key}' in '${ctx.url}'` : `'${ctx.url}'`;
      return new RemoteError(`${ctx.op} ${subject} failed: ${detail}`, { cause: err, data });
    }
  }
}

/** REMOTE error for a bucket that does not exist (also used when HeadBucket answers a bare 404). */
export function bucketMissingError(ctx: S3ErrorContext, cause: unknown): RemoteError {
  return new RemoteError(`bucket '${ctx.bucket}' does not exist at ${ctx.endpointLabel}`, {
    cause,
    data: { url: ctx.url, bucket: ctx.bucket },
    hint: "create the bucket, or fix the remote URL with 'keel remote modify <name> url s3://<bucket>/<prefix>'",
  });
}
