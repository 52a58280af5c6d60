/**
 * S3-compatible Backend (AWS S3, MinIO, s3rver, …) over @aws-sdk/client-s3. The SDK is loaded with
 * a dynamic import inside the factory, so only commands that open an S3 remote pay for it (R2).
 * The client does not retry by itself (maxAttempts 1): wrap the backend with wrap/retry.ts, which
 * asks `isTransient`. Objects ≥ `multipartThreshold` go through lib-storage's multipart Upload.
 */
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client, PutObjectCommandInput } from '@aws-sdk/client-s3';
import { isErrno, isKeelError, NotFoundError } from '../../errors/index.js';
import { tempNameFor } from '../../util/fs.js';
import type { Backend, BackendOptions, ObjectStat } from '../backend.js';
import { resolveS3 } from './config.js';
import { bucketMissingError, isTransientS3, mapS3Error } from './errors.js';

/** Adapter tuning (not DVC settings): tests shrink these to exercise multipart and pagination. */
export interface S3Tuning {
  /** Objects of at least this many bytes use multipart upload. Default 64 MiB. */
  multipartThreshold?: number;
  /** Multipart part size (S3 minimum 5 MiB); grown so no upload needs more than 10,000 parts. Default 16 MiB. */
  partSize?: number;
  /** Parts uploaded in parallel per multipart upload. Default 4. */
  queueSize?: number;
  /** ListObjectsV2 MaxKeys. Default 1000 (the S3 maximum). */
  listPageSize?: number;
}

const MiB = 1024 * 1024;
const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Open an S3 backend for `s3://bucket/prefix`. Settings and credentials come from
 * `opts.settings` and `opts.env` only (see config.ts for the names and precedence); the SDK's own
 * chain (profile files, SSO, instance metadata) is used only when no keys are given.
 * Throws ConfigError for a malformed URL or settings. No network call happens here.
 */
export async function createS3Backend(opts: BackendOptions, tuning: S3Tuning = {}): Promise<Backend> {
  const cfg = resolveS3(opts);
  const sdk = await import('@aws-sdk/client-s3');
  const threshold = tuning.multipartThreshold ?? 64 * MiB;
  const client: S3Client = new sdk.S3Client({
    region: cfg.region,
    endpoint: cfg.endpoint,
    forcePathStyle: cfg.endpoint !== undefined,
    // Endpoints come from settings / opts.env only, never from process.env or ~/.aws/config.
    ignoreConfiguredEndpointUrls: true,
    followRegionRedirects: cfg.endpoint === undefined && cfg.regionGuessed,
    tls: cfg.tls,
    credentials: cfg.credentials,
    profile: cfg.profile,
    // SDK defaults send aws-chunked bodies with trailing checksums, which some S3-compatible
    // servers (s3rver) store verbatim: silent corruption. Only checksum when the API requires it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    logger: silentLogger,
    requestHandler: {
      connectionTimeout: cfg.connectTimeoutMs,
      socketTimeout: cfg.readTimeoutMs,
      httpAgent: { keepAlive: true, maxSockets: 64 },
      httpsAgent: { keepAlive: true, maxSockets: 64 },
      logger: silentLogger,
    },
  });

  const { bucket, prefix, url } = cfg;
  const fail = (op: string, err: unknown, key?: string) => mapS3Error(err, { op, url, bucket, endpointLabel: cfg.endpointLabel, key });
  const isNotFound = (e: unknown) => isKeelError(e) && e.code === 'NOT_FOUND';
  const keyOf = (key: string) => prefix + key;

  // HEAD answers a bare 404 for a missing bucket too: check the bucket once, on the first miss.
  let bucketChecked: Promise<void> | undefined;
  const checkBucket = () =>
    (bucketChecked ??= client.send(new sdk.HeadBucketCommand({ Bucket: bucket })).then(
      () => undefined,
      (err) => {
        bucketChecked = undefined;
        const e = fail('stat', err);
        throw isNotFound(e) ? bucketMissingError({ op: 'stat', url, bucket, endpointLabel: cfg.endpointLabel }, err) : e;
      },
    ));

  const get = async (key: string): Promise<Readable> => {
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
      return out.Body as Readable;
    } catch (err) {
      throw fail('read', err, key);
    }
  };

  /** PutObject for small bodies with a known length, multipart Upload otherwise. */
  const put = async (key: string, body: Readable | Uint8Array, size: number | undefined): Promise<void> => {
    const params: PutObjectCommandInput = { Bucket: bucket, Key: keyOf(key), Body: body };
    if (size !== undefined && size < threshold) {
      await client.send(new sdk.PutObjectCommand({ ...params, ContentLength: size }));
      return;
    }
    const { Upload } = await import('@aws-sdk/lib-storage');
    const partSize = Math.max(tuning.partSize ?? 16 * MiB, Math.ceil((size ?? 0) / 10_000));
    await new Upload({ client, params, partSize, queueSize: tuning.queueSize ?? 4 }).done();
  };

  return {
    url,

    async stat(key: string): Promise<ObjectStat | undefined> {
      try {
        const out = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
        return { size: out.ContentLength ?? 0 };
      } catch (err) {
        const e = fail('stat', err, key);
        if (!isNotFound(e)) throw e;
        await checkBucket();
        return undefined;
      }
    },

    read: get,

    async readToFile(key: string, localPath: string): Promise<void> {
      const body = await get(key);
      const tmp = tempNameFor(localPath);
      try {
        const fh = await fsp.open(tmp, 'w').catch(async (e: unknown) => {
          if (!isErrno(e, 'ENOENT')) throw e;
          await fsp.mkdir(path.dirname(localPath), { recursive: true });
          return fsp.open(tmp, 'w');
        });
        await pipeline(body, fh.createWriteStream());
        await fsp.rename(tmp, localPath);
      } catch (err) {
        body.destroy();
        await fsp.rm(tmp, { force: true }).catch(() => undefined);
        throw fail('read', err, key);
      }
    },

    async write(key: string, body: Readable | Uint8Array, size?: number): Promise<void> {
      try {
        await put(key, body, body instanceof Uint8Array ? body.byteLength : size);
      } catch (err) {
        throw fail('write', err, key);
      }
    },

    async writeFile(key: string, localPath: string): Promise<void> {
      let size: number;
      try {
        size = (await fsp.stat(localPath)).size;
      } catch (e) {
        if (!isErrno(e, 'ENOENT', 'ENOTDIR')) throw e;
        throw new NotFoundError(`local file '${localPath}' does not exist`, { cause: e, data: { path: localPath } });
      }
      try {
        await put(key, createReadStream(localPath), size);
      } catch (err) {
        throw fail('write', err, key);
      }
    },

    async *list(p: string): AsyncIterable<string> {
      const Prefix = prefix + p;
      const MaxKeys = tuning.listPageSize;
      let token: string | undefined; // V2 continuation token, or V1 marker (the last key seen)
      do {
        let page: { Contents?: { Key?: string }[]; IsTruncated?: boolean; NextContinuationToken?: string };
        try {
          page = cfg.listV1
            ? await client.send(new sdk.ListObjectsCommand({ Bucket: bucket, Prefix, Marker: token, MaxKeys }))
            : await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix, ContinuationToken: token, MaxKeys }));
        } catch (err) {
          throw fail('list', err);
        }
        const keys = (page.Contents ?? []).map((o) => o.Key ?? '');
        // Skip "folder" marker objects that consoles create (keys ending in '/').
        for (const k of keys) if (k !== '' && !k.endsWith('/')) yield k.slice(prefix.length);
        token = !page.IsTruncated ? undefined : cfg.listV1 ? keys.at(-1) : page.NextContinuationToken;
      } while (token !== undefined);
    },

    async delete(key: string): Promise<void> {
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
      } catch (err) {
        const e = fail('delete', err, key);
        if (!isNotFound(e)) throw e;
      }
    },

    isTransient: isTransientS3,

    async close(): Promise<void> {
      client.destroy();
    },
  };
}
