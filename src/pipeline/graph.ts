/**
 * The stage graph (pure): an edge from a stage to every stage producing one of its deps (a dep
 * equal to, inside, or containing an out). Checks DVC's structural errors: two stages with the same
 * out, overlapping outs, a stage file inside an out, and cycles. Order = dependencies first.
 */
import * as path from 'node:path';
import { PipelineError } from '../errors/index.js';
import { isInside, toPosix } from '../util/paths.js';
import type { Stage } from './types.js';

export interface Graph {
  stages: Stage[];
  /** stage id → ids of the stages it depends on (upstream) */
  upstream: Map<string, Set<string>>;
  /** stage id → ids of the stages depending on it */
  downstream: Map<string, Set<string>>;
  byId: Map<string, Stage>;
}

/** A stage's address as DVC shows it: `name` for the root dvc.yaml, `sub/dvc.yaml:name`, `data.dvc`. */
export function stageId(s: Stage, root: string): string {
  const rel = toPosix(path.relative(root, s.file));
  if (s.kind === 'dvcfile') return rel;
  return rel === 'dvc.yaml' ? s.name : `${rel}:${s.name}`;
}

export function buildGraph(stages: Stage[], root: string): Graph {
  const byId = new Map<string, Stage>();
  for (const s of stages) {
    const id = stageId(s, root);
    if (byId.has(id)) throw new PipelineError(`stage '${id}' is defined twice`, { data: { stage: id } });
    byId.set(id, s);
  }
  // outs: duplicates and overlaps
  const outs: { abs: string; id: string; path: string }[] = [];
  for (const [id, s] of byId) for (const o of s.outs) outs.push({ abs: o.abs, id, path: toPosix(path.relative(root, o.abs)) });
  outs.sort((a, b) => a.abs.length - b.abs.length || (a.abs < b.abs ? -1 : 1));
  for (let i = 0; i < outs.length; i++) {
    for (let j = i + 1; j < outs.length; j++) {
      const a = outs[i];
      const b = outs[j];
      if (!isInside(a.abs, b.abs)) continue;
      if (a.abs === b.abs)
        throw new PipelineError(
          a.id === b.id ? `output '${a.path}' is listed twice in stage '${a.id}'` : `output '${a.path}' is specified in: '${a.id}' and '${b.id}'`,
          { hint: 'use a unique name for each output, or remove the duplicate', data: { path: a.path } },
        );
      throw new PipelineError(`the output paths overlap: '${a.path}' of '${a.id}' contains '${b.path}' of '${b.id}'`, {
        hint: 'an output may not live inside another output',
        data: { outer: a.path, inner: b.path },
      });
    }
  }
  for (const [id, s] of byId)
    for (const o of outs)
      if (o.id !== id && isInside(o.abs, s.file) && s.file !== o.abs)
        throw new PipelineError(`stage file '${toPosix(path.relative(root, s.file))}' of '${id}' is inside output '${o.path}' of '${o.id}'`, {
          hint: 'move the stage file out of the output directory',
        });
  const upstream = new Map<string, Set<string>>();
  const downstream = new Map<string, Set<string>>();
  for (const id of byId.keys()) {
    upstream.set(id, new Set());
    downstream.set(id, new Set());
  }
  for (const [id, s] of byId) {
    if (s.frozen) continue; // frozen stages lose their upstream edges (DVC's active graph)
    for (const d of s.deps)
      for (const o of outs) {
        if (o.id === id) continue;
        if (d.abs === o.abs || isInside(o.abs, d.abs) || isInside(d.abs, o.abs)) {
          upstream.get(id)!.add(o.id);
          downstream.get(o.id)!.add(id);
        }
      }
  }
  const g: Graph = { stages, upstream, downstream, byId };
  findCycle(g);
  return g;
}

function findCycle(g: Graph): void {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 1);
    stack.push(id);
    for (const u of g.upstream.get(id)!) {
      const s = state.get(u);
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(u)), u];
        throw new PipelineError(`pipeline has a cycle: ${cycle.join(' -> ')}`, { hint: 'a stage may not depend, directly or not, on its own outputs', data: { cycle } });
      }
      if (s === undefined) visit(u);
    }
    stack.pop();
    state.set(id, 2);
  };
  for (const id of g.byId.keys()) if (!state.has(id)) visit(id);
}

/** Dependencies-first order of `targets` and everything upstream of them (DFS post-order, as DVC). */
export function upstreamOrder(g: Graph, targets: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const u of [...g.upstream.get(id)!].sort()) visit(u);
    out.push(id);
  };
  for (const t of targets) visit(t);
  return out;
}

/** `targets` and everything downstream of them, dependencies first. */
export function downstreamOrder(g: Graph, targets: string[]): string[] {
  const keep = new Set<string>();
  const walk = (id: string): void => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const d of g.downstream.get(id)!) walk(d);
  };
  for (const t of targets) walk(t);
  return upstreamOrder(g, [...g.byId.keys()].sort()).filter((id) => keep.has(id));
}

/** Stages of the weakly connected component(s) containing `targets`. */
export function pipelineOf(g: Graph, targets: string[]): string[] {
  const keep = new Set<string>();
  const walk = (id: string): void => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const x of g.upstream.get(id)!) walk(x);
    for (const x of g.downstream.get(id)!) walk(x);
  };
  for (const t of targets) walk(t);
  return upstreamOrder(g, [...g.byId.keys()].sort()).filter((id) => keep.has(id));
}
