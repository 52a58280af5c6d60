/**
 * URL scheme → storage adapter. The only module that imports concrete adapters (rule R2); heavy
 * ones (S3) are imported lazily, so opening a local remote never loads the AWS SDK.
 */
import { RemoteError } from '../errors/index.js';
import type { Backend, BackendOptions } from './backend.js';
import { createLocalBackend } from './local/index.js';

/**
 * The kind of remote a URL names: 'local' for a plain path or `file://` URL, otherwise the
 * lower-cased URL scheme ('s3', 'gs', 'azure', 'ssh', …), whether or not keel supports it.
 * @example remoteKind('/mnt/store') === 'local'; remoteKind('s3://b/p') === 's3'
 */
export function remoteKind(url: string): string {
  if (/^file:/i.test(url)) return 'local';
  // Only `scheme://` is a URL: 'data:v1' or 'C:\x' are paths, as in DVC.
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  return m ? m[1].toLowerCase() : 'local';
}

/**
 * Open the backend for `opts.url`, undecorated (compose wrap/retry and wrap/limit on top).
 * Throws RemoteError for an unsupported scheme, ConfigError for malformed settings.
 */
export async function openBackend(opts: BackendOptions): Promise<Backend> {
  const kind = remoteKind(opts.url);
  switch (kind) {
    case 'local':
      return createLocalBackend(opts);
    case 's3': {
      const { createS3Backend } = await import('./s3/index.js');
      return createS3Backend(opts);
    }
    default:
      throw new RemoteError(`unsupported remote scheme '${kind}'`, {
        hint: `supported remotes: a local path or file://, s3:// (S3 and S3-compatible servers via endpointurl)`,
        data: { kind },
      });
  }
}
