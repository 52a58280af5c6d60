/** `keel dag`: the stage graph (or the outputs graph with --outs) as nodes and edges. */
import * as path from 'node:path';
import { toPosix } from '../util/paths.js';
import { buildGraph, pipelineOf, upstreamOrder } from '../pipeline/graph.js';
import { stageAddressing } from '../pipeline/stageadd.js';
import { loadPipeline } from '../repo/pipeline.js';
import type { Repo } from '../repo/index.js';
import { resolveTargets } from './repro.js';

export interface DagData {
  nodes: string[];
  edges: [string, string][];
}

export async function dag(repo: Repo, o: { target?: string; full?: boolean; outs?: boolean }): Promise<DagData> {
  const pl = await loadPipeline(repo);
  const g = buildGraph(pl.stages, repo.root);
  let ids = [...g.byId.keys()];
  if (o.target) {
    const t = resolveTargets(repo, g, [o.target]);
    ids = o.full ? pipelineOf(g, t) : upstreamOrder(g, t);
  } else ids = upstreamOrder(g, ids.sort());
  const keep = new Set(ids);
  const label = (id: string): string => stageAddressing(g.byId.get(id)!, repo.cwd);
  if (!o.outs) {
    const edges: [string, string][] = [];
    for (const id of ids) for (const u of [...g.upstream.get(id)!].sort()) if (keep.has(u)) edges.push([label(u), label(id)]);
    return { nodes: ids.map(label), edges };
  }
  // outputs graph: an edge from each out of an upstream stage to each out of the stage using it
  const outLabel = (abs: string): string => toPosix(path.relative(repo.cwd, abs));
  const nodes: string[] = [];
  const edges: [string, string][] = [];
  for (const id of ids) for (const out of g.byId.get(id)!.outs) nodes.push(outLabel(out.abs));
  for (const id of ids)
    for (const u of g.upstream.get(id)!)
      if (keep.has(u))
        for (const uo of g.byId.get(u)!.outs) for (const o2 of g.byId.get(id)!.outs) edges.push([outLabel(uo.abs), outLabel(o2.abs)]);
  return { nodes, edges };
}
