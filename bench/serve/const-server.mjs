// The ceiling of keel's serving bench (bench/serve.mjs): a bare node:http server that reads each
// request body and answers the constant `[1]` (what keel answers the example's /predict), with no
// framework, routing, parsing, validation, inference or logging.
//
//   node bench/serve/const-server.mjs <port>     # 127.0.0.1 only; prints "ready <port>" on stderr
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const body = Buffer.from('[1]');
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(port, '127.0.0.1', () => process.stderr.write(`ready ${server.address().port}\n`));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
