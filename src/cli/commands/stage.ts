import { UsageError } from '../../errors/index.js';
import { parseCmd } from '../../pipeline/stageadd.js';
import { stageAdd, stageList } from '../../ops/stage.js';
import type { Command } from '../command.js';
import { gitAddHint, withCliRepo } from '../open.js';

const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? (v as string[]) : undefined);

const command: Command = {
  spec: {
    name: 'stage',
    summary: 'Add a stage to dvc.yaml, or list the stages.',
    usage: 'stage add -n <name> [-d <dep>] [-o <out>] [-O <out>] [-m <metric>] [-M <metric>] [-p [file:]keys] [--plots <p>] [--plots-no-cache <p>] [-w <wdir>] [-f] <command>\n       keel stage list [targets] [--name-only]',
    subcommands: ['add -n <name> [options] <command>', 'list [targets] [--name-only]'],
    options: [
      { name: 'name', short: 'n', type: 'string', desc: 'stage name', arg: '<name>' },
      { name: 'deps', short: 'd', type: 'list', desc: 'dependency (repeatable)', arg: '<path>' },
      { name: 'outs', short: 'o', type: 'list', desc: 'output, cached', arg: '<path>' },
      { name: 'outs-no-cache', short: 'O', type: 'list', desc: 'output, not cached (git tracks it)', arg: '<path>' },
      { name: 'outs-persist', type: 'list', desc: 'output kept between runs', arg: '<path>' },
      { name: 'outs-persist-no-cache', type: 'list', desc: 'persistent output, not cached', arg: '<path>' },
      { name: 'metrics', short: 'm', type: 'list', desc: 'metrics file, cached', arg: '<path>' },
      { name: 'metrics-no-cache', short: 'M', type: 'list', desc: 'metrics file, not cached', arg: '<path>' },
      { name: 'plots', type: 'list', desc: 'plots file, cached', arg: '<path>' },
      { name: 'plots-no-cache', type: 'list', desc: 'plots file, not cached', arg: '<path>' },
      { name: 'params', short: 'p', type: 'list', desc: 'params: k1,k2 (params.yaml) or file:k1,k2 or file:', arg: '<params>' },
      { name: 'wdir', short: 'w', type: 'string', desc: 'working directory of the command', arg: '<dir>' },
      { name: 'force', short: 'f', type: 'boolean', desc: 'overwrite an existing stage' },
      { name: 'always-changed', type: 'boolean', desc: 'always consider the stage changed' },
      { name: 'desc', type: 'string', desc: 'description', arg: '<text>' },
      { name: 'name-only', type: 'boolean', desc: '(list) print names only' },
    ],
  },
  async run(ctx) {
    const [sub, ...rest] = ctx.args._;
    const a = ctx.args;
    if (sub === 'list') {
      const text = await withCliRepo(ctx, {}, (repo) => stageList(repo, { nameOnly: !!a.nameOnly, targets: rest }));
      if (text) ctx.out(text + '\n');
      return 0;
    }
    if (sub !== 'add') throw new UsageError(sub ? `unknown stage subcommand '${sub}'` : 'missing subcommand: add or list', { hint: 'keel stage --help' });
    const r = await withCliRepo(ctx, { lock: true }, (repo) =>
      stageAdd(repo, {
        name: String(a.name ?? ''),
        cmd: parseCmd(rest),
        deps: list(a.deps),
        outs: list(a.outs),
        outsNoCache: list(a.outsNoCache),
        outsPersist: list(a.outsPersist),
        outsPersistNoCache: list(a.outsPersistNoCache),
        metrics: list(a.metrics),
        metricsNoCache: list(a.metricsNoCache),
        plots: list(a.plots),
        plotsNoCache: list(a.plotsNoCache),
        params: list(a.params),
        wdir: a.wdir as string | undefined,
        force: !!a.force,
        alwaysChanged: !!a.alwaysChanged,
        desc: a.desc as string | undefined,
      }),
    );
    ctx.io.info(`${r.action} stage '${a.name}' in 'dvc.yaml'`);
    gitAddHint(ctx, ['dvc.yaml']);
    return 0;
  },
};
export default command;
