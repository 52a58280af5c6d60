import { repro } from '../../ops/repro.js';
import type { Command } from '../command.js';
import { gitAddHint, printJson, withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'repro',
    summary: 'Reproduce the pipeline: run the stages whose deps, params or command changed, in order, and update dvc.lock.',
    args: [{ name: 'targets', variadic: true }],
    options: [
      { name: 'force', short: 'f', type: 'boolean', desc: 'run every stage of the plan, changed or not' },
      { name: 'single-item', short: 's', type: 'boolean', desc: 'only the named stages, not their upstream' },
      { name: 'downstream', type: 'boolean', desc: 'the named stages and everything depending on them' },
      { name: 'pipeline', short: 'p', type: 'boolean', desc: "the whole pipeline of each target" },
      { name: 'all-pipelines', short: 'P', type: 'boolean', desc: 'every pipeline in the repository' },
      { name: 'dry', type: 'boolean', desc: 'print what would run, and why, without running' },
      { name: 'keep-going', short: 'k', type: 'boolean', desc: 'go on with stages that do not depend on a failed one' },
      { name: 'pull', type: 'boolean', desc: 'pull missing data (and run-cache) first' },
      { name: 'allow-missing', type: 'boolean', desc: 'treat outputs missing from the cache as unchanged' },
      { name: 'no-run-cache', type: 'boolean', desc: 'always run, never restore from the run-cache' },
      { name: 'no-commit', type: 'boolean', desc: 'write dvc.lock but do not store outputs in the cache' },
      { name: 'json', type: 'boolean', desc: 'print what happened as JSON' },
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const r = await withCliRepo(ctx, { lock: true }, (repo) =>
      repro(
        repo,
        {
          targets: a._,
          force: !!a.force,
          single: !!a.singleItem,
          downstream: !!a.downstream,
          pipeline: !!a.pipeline,
          allPipelines: !!a.allPipelines,
          dry: !!a.dry,
          keepGoing: !!a.keepGoing,
          pull: !!a.pull,
          allowMissing: !!a.allowMissing,
          noRunCache: !!a.noRunCache,
          noCommit: !!a.noCommit,
          output: a.json || a.quiet ? 'pipe' : 'inherit',
        },
        a.json ? { ...ctx.io, info() {} } : ctx.io,
      ),
    );
    if (a.json) printJson(ctx, r);
    else if (r.lockWritten.length) {
      gitAddHint(ctx, r.lockWritten);
      if (r.stages.some((s) => s.outcome === 'ran')) ctx.io.info('\nUse `keel push` to send your updates to remote storage.');
    }
    return 0;
  },
};
export default command;
