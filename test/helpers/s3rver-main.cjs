// Runs s3rver in its own process (so tests may block on spawnSync while it serves):
// argv: <directory> <bucket>. Prints the port on stdout once listening; exits on SIGTERM / stdin close.
const S3rver = require('s3rver');
const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
server.run().then(({ port }) => process.stdout.write(`${port}\n`));
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
