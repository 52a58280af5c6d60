// Reference for the S3 numbers: the raw AWS SDK (the same client keel depends on) putting or
// getting every file of a directory with N concurrent requests, no keel logic at all. It shows
// what this s3rver can serve on this machine.
// Usage: node bench/s3-ref.mjs put|putstream|get <endpoint> <bucket> <prefix> <dir> [concurrency=16]
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Prints {"objects":N,"ms":T}.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
const [op, endpoint, bucket, prefix, dir, conc = '16'] = process.argv.slice(2);

const files = [];
const walk = (d, rel) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(path.join(d, e.name), rel + e.name + '/');
    else files.push({ abs: path.join(d, e.name), key: prefix + '/' + rel + e.name });
  }
};
walk(dir, '');
// stack.md §6: without these, streamed PutObject bodies are stored with aws-chunked framing.
const client = new S3Client({
  endpoint,
  region: process.env.AWS_REGION || 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const t0 = performance.now();
let next = 0;
const worker = async () => {
  for (;;) {
    const i = next++;
    if (i >= files.length) return;
    const f = files[i];
    if (op === 'put') await client.send(new PutObjectCommand({ Bucket: bucket, Key: f.key, Body: fs.readFileSync(f.abs) }));
    else if (op === 'putstream') {
      // the body as keel sends it: a file stream with an explicit length
      const size = fs.statSync(f.abs).size;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: f.key, Body: fs.createReadStream(f.abs), ContentLength: size }));
    }
    else {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: f.key }));
      await r.Body.transformToByteArray();
    }
  }
};
await Promise.all(Array.from({ length: Number(conc) }, worker));
process.stdout.write(JSON.stringify({ objects: files.length, ms: performance.now() - t0 }) + '\n');
client.destroy();
