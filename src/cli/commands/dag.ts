import { dag } from '../../ops/dag.js';
import type { Command } from '../command.js';
import { renderDag } from '../render/dag.js';
import { withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'dag',
    summary: 'Show the pipeline graph: ASCII in the terminal, or --dot / --mermaid / --md.',
    args: [{ name: 'target' }],
    options: [
      { name: 'dot', type: 'boolean', desc: 'Graphviz DOT' },
      { name: 'mermaid', type: 'boolean', desc: 'Mermaid flowchart' },
      { name: 'md', type: 'boolean', desc: 'Mermaid in a Markdown code block' },
      { name: 'full', type: 'boolean', desc: "the target's whole pipeline, not only its upstream" },
      { name: 'outs', short: 'o', type: 'boolean', desc: 'graph of outputs instead of stages' },
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    const data = await withCliRepo(ctx, {}, (repo) => dag(repo, { target: a._[0], full: !!a.full, outs: !!a.outs }));
    const format = a.dot ? 'dot' : a.mermaid ? 'mermaid' : a.md ? 'md' : 'ascii';
    ctx.out(renderDag(data, { format, outs: !!a.outs }));
    return 0;
  },
};
export default command;
