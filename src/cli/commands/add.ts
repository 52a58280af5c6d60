import { add } from '../../ops/add.js';
import type { Command } from '../command.js';
import { gitAddHint, printJson, withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'add',
    summary: 'Track files or directories: store them in the cache, write <target>.dvc and gitignore the target.',
    args: [{ name: 'targets', variadic: true, required: true }],
    options: [
      { name: 'no-commit', type: 'boolean', desc: "hash and write the .dvc file, but don't put the data in the cache" },
      { name: 'out', short: 'o', type: 'string', desc: 'copy the (external) target to this path in the workspace and track it', arg: '<path>' },
      { name: 'glob', type: 'boolean', desc: 'expand wildcards in targets' },
      { name: 'json', type: 'boolean', desc: 'print what was added as JSON' },
    ],
  },
  async run(ctx) {
    const r = await withCliRepo(ctx, { lock: true }, (repo) =>
      add(repo, { targets: ctx.args._, noCommit: !!ctx.args.noCommit, out: ctx.args.out as string | undefined, glob: !!ctx.args.glob }, ctx.io),
    );
    if (ctx.args.json) printJson(ctx, r);
    else gitAddHint(ctx, r.gitFiles);
    return 0;
  },
};
export default command;
