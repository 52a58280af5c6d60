import { UsageError } from '../../errors/index.js';
import { apply } from '../../ops/apply.js';
import type { Command } from '../command.js';

const command: Command = {
  spec: {
    name: 'apply',
    summary: 'Score a file of inputs (JSON array, JSONL or CSV) with a model package, in batches.',
    usage: 'apply <package-dir> <input> [-m <method>] [-o <out.json|.jsonl|.csv>] [--batch-size N]',
    args: [
      { name: 'package', required: true },
      { name: 'input', required: true },
    ],
    options: [
      { name: 'method', short: 'm', type: 'string', desc: "the method to apply (default: the package's first, e.g. predict)", arg: '<name>' },
      { name: 'output', short: 'o', type: 'string', desc: 'write the results here (format by extension); default: JSON on stdout', arg: '<file>' },
      { name: 'batch-size', short: 'b', type: 'number', desc: 'rows per call (default 256)', arg: '<n>' },
    ],
  },
  async run(ctx) {
    const [pkg, input, ...extra] = ctx.args._;
    if (!pkg || !input || extra.length) throw new UsageError('usage: keel apply <package-dir> <input> [-m <method>] [-o <out>] [--batch-size N]', { hint: "see 'keel apply --help'" });
    const r = await apply(
      ctx.cwd,
      {
        model: pkg,
        input,
        method: ctx.args.method as string | undefined,
        output: ctx.args.output as string | undefined,
        batchSize: ctx.args.batchSize as number | undefined,
      },
      ctx.io,
    );
    if (r.results) ctx.out(JSON.stringify(r.results) + '\n');
    else if (!ctx.args.quiet) ctx.out(`Applied '${r.method}' to ${r.rows} rows in ${r.batches} batch(es): ${ctx.args.output as string}\n`);
    return 0;
  },
};
export default command;
