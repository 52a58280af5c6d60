import { UsageError } from '../../errors/index.js';
import { modelSave, modelShow } from '../../ops/model.js';
import { MODEL_KINDS, type ModelKind } from '../../model/package.js';
import type { ModelMeta } from '../../model/types.js';
import { env } from '../../config/env.js';
import type { Command, CommandContext } from '../command.js';
import { printJson } from '../open.js';

function parseSample(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new UsageError(`--sample must be JSON, got '${s}'`);
  }
}

function size(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${u[i]}`;
}

/** A one-line reading of a JSON Schema: `array of string`, `array of array[2] of number`. */
export function schemaSummary(s: Record<string, unknown>): string {
  if (s.type === 'array') {
    const n = s.minItems !== undefined && s.minItems === s.maxItems ? `[${String(s.minItems)}]` : '';
    return `array${n} of ${s.items ? schemaSummary(s.items as Record<string, unknown>) : 'any'}`;
  }
  if (s.type === 'object' && s.properties) {
    return `{${Object.entries(s.properties as Record<string, Record<string, unknown>>)
      .map(([k, v]) => `${k}: ${schemaSummary(v)}`)
      .join(', ')}}`;
  }
  if (Array.isArray(s.enum)) return `${String(s.type ?? 'any')} (${s.enum.map((x) => JSON.stringify(x)).join('|')})`;
  return typeof s.type === 'string' ? s.type : 'any';
}

function flat(o: unknown, prefix = ''): string[] {
  if (o && typeof o === 'object' && !Array.isArray(o)) return Object.entries(o).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k));
  return [`${prefix}=${JSON.stringify(o)}`];
}

export function formatMetaText(meta: ModelMeta, extra: { dir?: string; verified?: boolean; problem?: string } = {}): string {
  const L: string[] = [];
  L.push(`name:         ${meta.name}`);
  if (extra.dir) L.push(`package:      ${extra.dir}`);
  if (meta.description) L.push(`description:  ${meta.description}`);
  L.push(`runtime:      ${meta.runtime}${meta.entry ? ` (entry ${meta.entry})` : ''}${meta.processing ? `, processing ${meta.processing}` : ''}`);
  L.push(`requirements: ${Object.entries(meta.requirements).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  L.push('artifacts:' + (extra.verified === undefined ? '' : extra.verified ? '    (md5 verified)' : `    NOT VERIFIED: ${extra.problem}`));
  const w = Math.max(...meta.artifacts.map((a) => a.path.length));
  for (const a of meta.artifacts) L.push(`  ${a.path.padEnd(w)}  ${size(a.size).padStart(10)}  md5 ${a.md5}`);
  L.push('methods:');
  for (const m of meta.methods) {
    L.push(`  ${m.name}: ${schemaSummary(m.input)} -> ${schemaSummary(m.output)}${m.description ? `    # ${m.description}` : ''}`);
    L.push(`    input:  ${JSON.stringify(m.input)}`);
    L.push(`    output: ${JSON.stringify(m.output)}`);
  }
  if (meta.sample !== undefined) L.push(`sample:       ${JSON.stringify(meta.sample)}`);
  const lin = meta.lineage;
  L.push('lineage:');
  L.push(`  created:    ${lin.created}`);
  if (lin.git) L.push(`  git:        ${lin.git.commit}${lin.git.branch ? ` (${lin.git.branch})` : ''}${lin.git.dirty ? ', uncommitted changes' : ', clean'}`);
  if (lin.stage) {
    L.push(`  stage:      ${lin.stage.name} (${lin.stage.file})`);
    const lock = lin.stage.lock as { cmd?: unknown; deps?: { path: string; md5?: string }[]; outs?: { path: string; md5?: string }[] };
    if (lock.cmd) L.push(`    cmd:      ${Array.isArray(lock.cmd) ? lock.cmd.join(' && ') : String(lock.cmd)}`);
    for (const d of lock.deps ?? []) L.push(`    dep:      ${d.path}${d.md5 ? `  md5 ${d.md5}` : ''}`);
    for (const d of lock.outs ?? []) L.push(`    out:      ${d.path}${d.md5 ? `  md5 ${d.md5}` : ''}`);
  }
  if (lin.params) for (const [f, v] of Object.entries(lin.params)) L.push(`  params:     ${f}: ${flat(v).join(', ')}`);
  if (lin.metrics) for (const [f, v] of Object.entries(lin.metrics)) L.push(`  metrics:    ${f}: ${flat(v).join(', ')}`);
  return L.join('\n') + '\n';
}

async function save(ctx: CommandContext, rest: string[]): Promise<number> {
  const a = ctx.args;
  if (rest.length !== 1 || typeof a.out !== 'string') throw new UsageError('usage: keel model save <model-dir-or-file> -o <package-dir>', { hint: "see 'keel model --help'" });
  const kind = a.kind as string | undefined;
  if (kind !== undefined && !(MODEL_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be one of ${MODEL_KINDS.join(', ')}, got '${kind}'`);
  const r = await modelSave(
    ctx.cwd,
    {
      source: rest[0],
      out: a.out,
      name: a.name as string | undefined,
      kind: kind as ModelKind | undefined,
      stage: a.stage as string | undefined,
      entry: a.entry as string | undefined,
      sample: typeof a.sample === 'string' ? parseSample(a.sample) : undefined,
      processing: a.processing as string | undefined,
      description: a.description as string | undefined,
      env: env(),
    },
    ctx.io,
  );
  if (a.json) printJson(ctx, { dir: r.dir, meta: r.meta });
  else if (!a.quiet) {
    const lin = r.meta.lineage;
    const from = [lin.stage ? `stage '${lin.stage.name}'` : '', lin.git ? `commit ${lin.git.commit.slice(0, 7)}${lin.git.dirty ? ' (dirty)' : ''}` : ''].filter(Boolean).join(', ');
    ctx.out(`Saved model '${r.meta.name}' (${r.meta.runtime}: ${r.meta.methods.map((m) => m.name).join(', ')}) to ${a.out}${from ? ` from ${from}` : ''}\n`);
  }
  return 0;
}

const command: Command = {
  spec: {
    name: 'model',
    summary: 'Package a trained model (artifacts, signature, sample, lineage) or show a package.',
    usage: 'model <save|show> [options] ...',
    subcommands: [
      'save <model-dir-or-file> -o <package-dir> [--name N] [--kind text-forest|onnx|js] [--stage S]',
      'show <package-dir> [--json]',
    ],
    options: [
      { name: 'out', short: 'o', type: 'string', desc: '(save) the package directory to write', arg: '<dir>' },
      { name: 'name', short: 'n', type: 'string', desc: '(save) the model name (default: the package directory name)', arg: '<name>' },
      { name: 'kind', short: 'k', type: 'string', desc: `(save) ${MODEL_KINDS.join(' | ')} (default: detected)`, arg: '<kind>' },
      { name: 'stage', short: 's', type: 'string', desc: '(save) the stage that produced the model (default: the stage whose outs contain it)', arg: '<name>' },
      { name: 'entry', type: 'string', desc: '(save) the file the runtime loads, in a model directory', arg: '<file>' },
      { name: 'sample', type: 'string', desc: '(save) a sample input of the first method, as JSON', arg: '<json>' },
      { name: 'processing', type: 'string', desc: '(save) an ES module with preprocess/postprocess to bundle', arg: '<file>' },
      { name: 'description', short: 'd', type: 'string', desc: '(save) a description', arg: '<text>' },
      { name: 'json', type: 'boolean', desc: 'print as JSON' },
    ],
  },
  async run(ctx) {
    const [sub, ...rest] = ctx.args._;
    if (sub === 'save') return save(ctx, rest);
    if (sub === 'show') {
      if (rest.length !== 1) throw new UsageError('usage: keel model show <package-dir> [--json]');
      const r = await modelShow(ctx.cwd, rest[0]);
      if (ctx.args.json) printJson(ctx, { ...r.meta, verified: r.verified, ...(r.problem ? { problem: r.problem } : {}) });
      else ctx.out(formatMetaText(r.meta, { dir: rest[0], verified: r.verified, problem: r.problem }));
      return r.verified ? 0 : 1;
    }
    throw new UsageError(sub ? `unknown subcommand 'model ${sub}'` : 'missing subcommand: keel model <save|show>', { hint: "see 'keel model --help'" });
  },
};
export default command;
