import { gc } from '../../ops/gc.js';
import type { Command } from '../command.js';
import { printJson, withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'gc',
    summary: 'Delete cache objects (and with -c remote objects) not used by the chosen scope.',
    options: [
      { name: 'workspace', short: 'w', type: 'boolean', desc: 'keep objects used by the workspace' },
      { name: 'all-branches', short: 'a', type: 'boolean', desc: 'keep objects used by every branch' },
      { name: 'all-tags', short: 'T', type: 'boolean', desc: 'keep objects used by every tag' },
      { name: 'all-commits', short: 'A', type: 'boolean', desc: 'keep objects used by every commit' },
      { name: 'cloud', short: 'c', type: 'boolean', desc: 'also delete unused objects from the remote' },
      { name: 'remote', short: 'r', type: 'string', desc: 'remote for -c', arg: '<name>' },
      { name: 'force', short: 'f', type: 'boolean', desc: "don't ask for confirmation" },
      { name: 'dry', type: 'boolean', desc: 'only list what would be deleted' },
      { name: 'json', type: 'boolean', desc: 'print the result as JSON' },
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const r = await withCliRepo(ctx, { lock: true }, (repo) =>
      gc(
        repo,
        {
          workspace: !!a.workspace,
          allBranches: !!a.allBranches,
          allTags: !!a.allTags,
          allCommits: !!a.allCommits,
          cloud: !!a.cloud,
          remote: a.remote as string | undefined,
          force: !!a.force,
          dry: !!a.dry,
        },
        ctx.io,
      ),
    );
    if (a.json) printJson(ctx, r);
    else if (r.cancelled) ctx.io.info('Nothing removed (not confirmed; use -f to skip the question).');
    else if (a.dry) for (const x of r.removed) ctx.out(`would remove ${x.where === 'remote' ? 'remote' : 'cache'} object ${x.oid}\n`);
    else {
      const local = r.removed.filter((x) => x.where === 'cache').length;
      const remote = r.removed.length - local;
      ctx.io.info(local + remote === 0 ? 'No unused objects were found.' : `Removed ${local} object(s) from the cache${a.cloud ? ` and ${remote} from the remote` : ''}.`);
    }
    return r.cancelled ? 1 : 0;
  },
};
export default command;
