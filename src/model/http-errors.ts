/** The serving edge of keel's error model: KeelError codes → HTTP statuses, and the app's own errors. */
import { isKeelError } from '../errors/index.js';
import type { ErrorCode } from '../errors/index.js';

/** The one table from KeelError codes to HTTP statuses (the server's edge of the error model). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  USAGE: 400,
  PATH: 400,
  FILE_FORMAT: 422,
  NOT_FOUND: 404,
  OUTPUT: 409,
  LOCKED: 409,
  CHECKOUT: 409,
  NOT_A_REPO: 500,
  CONFIG: 500,
  MISSING_CACHE: 500,
  CORRUPT: 500,
  PIPELINE: 500,
  GIT: 500,
  REMOTE: 502,
  AUTH: 502,
  CANCELLED: 503,
};

/** An error the app itself answers with: status, a stable code and a message for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Any error → the status and JSON body the client gets. */
export function toHttp(err: unknown, reqId: string): { status: number; body: { error: Record<string, unknown> } } {
  if (err instanceof HttpError) return { status: err.status, body: { error: { code: err.code, message: err.message, request_id: reqId, ...(err.details ? { details: err.details } : {}) } } };
  if (isKeelError(err)) return { status: HTTP_STATUS[err.code] ?? 500, body: { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), request_id: reqId } } };
  const e = err as { statusCode?: number; code?: string; message?: string };
  // fastify's own client errors: malformed JSON, empty body, 413, unsupported media type…
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && typeof e.code === 'string' && e.code.startsWith('FST_')) {
    return { status: e.statusCode, body: { error: { code: e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: e.message ?? 'bad request', request_id: reqId } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: `internal error; quote request id ${reqId} when reporting it`, request_id: reqId } } };
}
