/**
 * `dvc dag` drawings (`dvc/commands/dag.py`).
 *
 * The graph comes in as node labels plus dependency edges `[upstream, downstream]` (`a.dvc` →
 * `prepare`), which is how DVC draws them; DVC's own networkx graph stores the reverse
 * (stage → the stage it depends on). Labels are what DVC prints: a stage's `addressing`
 * (`train`, `sub/dvc.yaml:train`, `data.xml.dvc`), or with `--outs` the output paths; the
 * caller builds that graph (and applies `target` / `--full`), this file only renders it.
 *
 * - `dot`: `networkx.write_dot(graph.reverse())` through pydot 4, after DVC quotes every label
 *   (`_quote_label`): `strict digraph {`, one `"node";` line per node, one `"a" -> "b";` line per
 *   edge, `}`. Node and edge order follow networkx's (relabel in place, then reverse), simulated.
 * - `mermaid` / `md`: `flowchart TD`, per weakly connected component the nodes sorted and
 *   numbered `node1…`, then the sorted edges `nodeX-->nodeY`; `md` wraps it in a ```mermaid fence.
 * - `ascii`: DVC lays out with grandalf's Sugiyama and draws boxes `+---+` / `| name |` and `*`
 *   edges; here a simpler layered layout of our own in the same style (not byte-identical), upstream
 *   on top, one drawing per weakly connected component, joined by a newline.
 *
 * `renderDag` returns the whole stdout text (DVC's `ui.write` adds the final newline).
 */

export interface DagGraph {
  /** node labels, in the order of DVC's graph (components and dot output follow it) */
  nodes: string[];
  /** dependency edges `[upstream, downstream]` */
  edges: [string, string][];
}

export type DagFormat = 'ascii' | 'dot' | 'mermaid' | 'md';

export interface RenderDagOptions {
  format?: DagFormat;
  /** `-o/--outs`: the graph holds outputs instead of stages; rendering is the same */
  outs?: boolean;
}

export function renderDag(graph: DagGraph, opts: RenderDagOptions = {}): string {
  switch (opts.format ?? 'ascii') {
    case 'dot':
      return showDot(graph) + '\n';
    case 'mermaid':
      return showMermaid(graph, false) + '\n';
    case 'md':
      return showMermaid(graph, true) + '\n';
    default:
      return showAscii(graph) + '\n';
  }
}

// ---------------------------------------------------------------------------------------------
// A tiny ordered DiGraph (insertion order like networkx's dicts)
// ---------------------------------------------------------------------------------------------

class DiGraph {
  succ = new Map<string, Map<string, true>>();
  pred = new Map<string, Map<string, true>>();

  addNode(n: string): void {
    if (!this.succ.has(n)) {
      this.succ.set(n, new Map());
      this.pred.set(n, new Map());
    }
  }

  addEdge(u: string, v: string): void {
    this.addNode(u);
    this.addNode(v);
    this.succ.get(u)!.set(v, true);
    this.pred.get(v)!.set(u, true);
  }

  removeNode(n: string): void {
    for (const v of this.succ.get(n)!.keys()) this.pred.get(v)!.delete(n);
    for (const u of this.pred.get(n)!.keys()) this.succ.get(u)!.delete(n);
    this.succ.delete(n);
    this.pred.delete(n);
  }

  nodes(): string[] {
    return [...this.succ.keys()];
  }

  edges(): [string, string][] {
    const out: [string, string][] = [];
    for (const [u, vs] of this.succ) for (const v of vs.keys()) out.push([u, v]);
    return out;
  }

  /** networkx `relabel_nodes(G, mapping, copy=False)` */
  relabelInPlace(mapping: (n: string) => string): void {
    const map = new Map(this.nodes().map((n) => [n, mapping(n)]));
    const news = new Set(map.values());
    const overlap = [...map.keys()].some((k) => news.has(k));
    // non-overlapping: in node order; overlapping: networkx walks a reversed topological order of
    // old → new, which puts the old labels last-to-first.
    const order = overlap ? [...map.keys()].reverse() : [...map.keys()];
    for (const old of order) {
      const nw = map.get(old)!;
      if (!this.succ.has(old)) continue;
      this.addNode(nw);
      if (nw === old) continue;
      const newEdges: [string, string][] = [];
      for (const t of this.succ.get(old)!.keys()) newEdges.push([nw, t === old ? nw : t]);
      for (const s of this.pred.get(old)!.keys()) newEdges.push([s === old ? nw : s, nw]);
      this.removeNode(old);
      for (const [a, b] of newEdges) this.addEdge(a, b);
    }
  }

  reverse(): DiGraph {
    const h = new DiGraph();
    for (const n of this.nodes()) h.addNode(n);
    for (const [u, v] of this.edges()) h.addEdge(v, u);
    return h;
  }
}

/** DVC's networkx graph: nodes in order, edges stored downstream → upstream. */
function dvcGraph(graph: DagGraph): DiGraph {
  const g = new DiGraph();
  for (const n of graph.nodes) g.addNode(n);
  for (const [up, down] of graph.edges) g.addEdge(down, up);
  return g;
}

/** networkx `weakly_connected_components` order, each as `graph.subgraph(c).copy()`. */
function components(g: DiGraph): DiGraph[] {
  const seen = new Set<string>();
  const out: DiGraph[] = [];
  for (const start of g.nodes()) {
    if (seen.has(start)) continue;
    const comp = new Set<string>([start]);
    let frontier = [start];
    while (frontier.length) {
      const next: string[] = [];
      for (const n of frontier) {
        for (const m of [...g.succ.get(n)!.keys(), ...g.pred.get(n)!.keys()]) {
          if (!comp.has(m)) {
            comp.add(m);
            next.push(m);
          }
        }
      }
      frontier = next;
    }
    for (const n of comp) seen.add(n);
    const sub = new DiGraph();
    for (const n of g.nodes()) if (comp.has(n)) sub.addNode(n);
    for (const [u, v] of g.edges()) if (comp.has(u)) sub.addEdge(u, v);
    out.push(sub);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// --dot
// ---------------------------------------------------------------------------------------------

function quoteLabel(label: string): string {
  // dvc/commands/dag.py::_quote_label
  if (label[0] !== '"' && label[label.length - 1] !== '"') return `"${label}"`;
  return label;
}

const DOT_KEYWORDS = ['graph', 'subgraph', 'digraph', 'node', 'edge', 'strict'];

function makeQuoted(s: string): string {
  return '"' + s.replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"';
}

function anyNeedsQuotes(s: string): boolean | null {
  if (/^\p{Nd}+$/u.test(s)) return false;
  if (/^[\p{L}\p{N}]+$/u.test(s)) return /^\p{Nd}/u.test(s);
  const dbl = /^".*"$/s.test(s);
  const html = /^<.*>$/s.test(s);
  if ([...s].some((c) => c.codePointAt(0)! > 0x7f || c === '\0') && !dbl && !html) return true;
  if (/^([0-9]+\.?[0-9]*|[0-9]*\.[0-9]+)$/.test(s) || dbl || html) return false;
  return null;
}

function idNeedsQuotes(s: string): boolean {
  if (DOT_KEYWORDS.includes(s.toLowerCase())) return false;
  const any = anyNeedsQuotes(s);
  if (any !== null) return any;
  if (/^[_a-zA-Z][a-zA-Z0-9_]*$/.test(s) || /^[_a-zA-Z][a-zA-Z0-9_:"]*[a-zA-Z0-9_"]+$/.test(s)) return false;
  const m = /^([^:]*):([^:]*)$/.exec(s);
  if (m) return idNeedsQuotes(m[1]) || idNeedsQuotes(m[2]);
  return true;
}

function quoteIdIfNecessary(s: string, unquoted: string[] = []): string {
  if (unquoted.includes(s.toLowerCase())) return s;
  if (DOT_KEYWORDS.includes(s.toLowerCase())) return makeQuoted(s);
  return idNeedsQuotes(s) ? makeQuoted(s) : s;
}

/** pydot `Node(name).to_string()` (the port after `:` is split off and not printed). */
function dotNode(name: string): string {
  let n = name;
  if (!n.startsWith('"')) {
    const idx = n.indexOf(':');
    if (idx > 0 && idx + 1 < n.length) n = n.slice(0, idx);
  }
  const node = quoteIdIfNecessary(n, ['graph', 'node', 'edge']);
  if (['graph', 'node', 'edge'].includes(node.toLowerCase())) return '';
  return `${node};`;
}

/** pydot `Edge.parse_node_ref`. */
function dotNodeRef(ref: string): string {
  if (ref.startsWith('"') && ref.endsWith('"')) return ref;
  const idx = ref.lastIndexOf(':');
  if (idx > 0 && ref[0] === '"' && ref[idx - 1] === '"') return ref;
  if (idx > 0) return quoteIdIfNecessary(ref.slice(0, idx)) + ':' + quoteIdIfNecessary(ref.slice(idx + 1));
  return quoteIdIfNecessary(ref);
}

/** `_show_dot(graph)`: the text `write_dot` produces (ends with `}\n`). */
export function showDot(graph: DagGraph): string {
  const g = dvcGraph(graph);
  g.relabelInPlace(quoteLabel);
  const h = g.reverse();
  const edges = h.edges();
  const strict = edges.every(([u, v]) => u !== v);
  let out = (strict ? 'strict ' : '') + 'digraph {\n';
  for (const n of h.nodes()) out += dotNode(n) + '\n';
  for (const [u, v] of edges) out += `${dotNodeRef(u)} -> ${dotNodeRef(v)};\n`;
  return out + '}\n';
}

// ---------------------------------------------------------------------------------------------
// --mermaid / --md
// ---------------------------------------------------------------------------------------------

const byCodePoint = (a: string, b: string): number => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
};

/** `_show_mermaid(graph, markdown)`. */
export function showMermaid(graph: DagGraph, markdown = false): string {
  let out = 'flowchart TD';
  let total = 0;
  for (const comp of components(dvcGraph(graph))) {
    const ids = new Map<string, string>();
    for (const node of comp.nodes().sort(byCodePoint)) {
      total += 1;
      const id = `node${total}`;
      out += `\n\t${id}["${node}"]`;
      ids.set(node, id);
    }
    // DVC's edges are (downstream, upstream); it prints upstream-->downstream, sorted
    const edges = comp.edges().map(([down, up]) => [up, down] as [string, string]);
    edges.sort((p, q) => byCodePoint(p[0], q[0]) || byCodePoint(p[1], q[1]));
    for (const [a, b] of edges) out += `\n\t${ids.get(a)}-->${ids.get(b)}`;
  }
  return markdown ? '```mermaid\n' + out + '\n```' : out;
}

// ---------------------------------------------------------------------------------------------
// ASCII
// ---------------------------------------------------------------------------------------------

const BOX_H = 3;
const LAYER_GAP = 3;
const NODE_GAP = 4;
const DUMMY_GAP = 2;

interface Item {
  /** node label, or null for a dummy point of a long edge */
  node: string | null;
  width: number;
  /** neighbours in the layer above / below (item ids) */
  up: number[];
  down: number[];
  layer: number;
  center: number;
}

const pyLen = (s: string): number => [...s].length;

/** `_show_ascii(graph)`: one drawing per weakly connected component, joined by newlines. */
export function showAscii(graph: DagGraph): string {
  return components(dvcGraph(graph))
    .map((comp) => {
      const nodes = comp.nodes();
      const edges = comp.edges().map(([down, up]) => [up, down] as [string, string]);
      return drawComponent(nodes, edges);
    })
    .join('\n');
}

function assignLayers(nodes: string[], edges: [string, string][]): Map<string, number> {
  const preds = new Map(nodes.map((n) => [n, [] as string[]]));
  const indeg = new Map(nodes.map((n) => [n, 0]));
  for (const [u, v] of edges) {
    if (u === v) continue;
    preds.get(v)!.push(u);
    indeg.set(v, indeg.get(v)! + 1);
  }
  const layer = new Map<string, number>();
  const done = new Set<string>();
  // Kahn's order, stable by node order; longest path from the sources
  for (;;) {
    const ready = nodes.filter((n) => !done.has(n) && preds.get(n)!.every((p) => done.has(p)));
    const pick = ready.length ? ready : nodes.filter((n) => !done.has(n)).slice(0, 1); // a cycle: break it
    if (!pick.length) break;
    for (const n of pick) {
      const ls = preds.get(n)!.filter((p) => layer.has(p)).map((p) => layer.get(p)! + 1);
      layer.set(n, ls.length ? Math.max(...ls) : 0);
      done.add(n);
    }
  }
  return layer;
}

function drawComponent(nodes: string[], edges: [string, string][]): string {
  const layerOf = assignLayers(nodes, edges);
  const items: Item[] = [];
  const idOf = new Map<string, number>();
  for (const n of nodes) {
    idOf.set(n, items.length);
    items.push({ node: n, width: pyLen(n) + 4, up: [], down: [], layer: layerOf.get(n)!, center: 0 });
  }
  // edges as chains through dummy points; polylines are drawn later from these chains
  const chains: number[][] = [];
  for (const [u, v] of edges) {
    if (u === v) continue;
    const a = idOf.get(u)!;
    const b = idOf.get(v)!;
    const chain = [a];
    const la = items[a].layer;
    const lb = items[b].layer;
    for (let l = la + 1; l < lb; l++) {
      chain.push(items.length);
      items.push({ node: null, width: 1, up: [], down: [], layer: l, center: 0 });
    }
    chain.push(b);
    for (let k = 1; k < chain.length; k++) {
      const [p, q] = [chain[k - 1], chain[k]];
      if (items[q].layer === items[p].layer + 1) {
        items[p].down.push(q);
        items[q].up.push(p);
      }
    }
    chains.push(chain);
  }

  const nLayers = Math.max(...items.map((it) => it.layer)) + 1;
  const layers: number[][] = Array.from({ length: nLayers }, () => []);
  for (let i = 0; i < items.length; i++) layers[items[i].layer].push(i);

  orderLayers(layers, items);
  placeX(layers, items);

  // integer left edges, no overlaps, shifted to start at column 0
  const left = new Map<number, number>();
  for (const layer of layers) {
    let prevEnd = -Infinity;
    let prevDummy = true;
    for (const i of layer) {
      const it = items[i];
      let x = Math.round(it.center - it.width / 2);
      const minGap = prevDummy || it.node === null ? 1 : 2;
      if (x < prevEnd + minGap) x = prevEnd + minGap;
      left.set(i, x);
      prevEnd = x + it.width - 1;
      prevDummy = it.node === null;
    }
  }
  const minX = Math.min(...left.values());
  for (const [i, x] of left) left.set(i, x - minX);
  const width = Math.max(...items.map((it, i) => left.get(i)! + it.width));
  const height = nLayers * (BOX_H + LAYER_GAP) - LAYER_GAP;
  const canvas: string[][] = Array.from({ length: height }, () => Array(width).fill(' '));
  const top = (i: number): number => items[i].layer * (BOX_H + LAYER_GAP);
  const cx = (i: number): number => left.get(i)! + Math.floor((items[i].width - 1) / 2);

  // edges first (boxes overwrite them): from the bottom border of the upstream box, through the
  // dummies, to the top border of the downstream box. A box with several edges spreads their ends
  // along its border, ordered by where the other end lies.
  const ports = new Map<string, number>();
  const spread = (i: number, others: number[], side: 'out' | 'in'): void => {
    const sorted = [...others].sort((a, b) => items[a].center - items[b].center);
    const w = items[i].width;
    sorted.forEach((o, j) => {
      const off = sorted.length === 1 ? Math.floor((w - 1) / 2) : Math.round(((j + 1) * (w - 1)) / (sorted.length + 1));
      ports.set(`${side}:${i}:${o}`, left.get(i)! + Math.min(Math.max(off, 1), w - 2));
    });
  };
  for (let i = 0; i < items.length; i++) {
    if (items[i].node === null) continue;
    spread(i, chains.filter((c) => c[0] === i).map((c) => c[1]), 'out');
    spread(i, chains.filter((c) => c[c.length - 1] === i).map((c) => c[c.length - 2]), 'in');
  }
  for (const chain of chains) {
    const pts: [number, number][] = [];
    chain.forEach((i, k) => {
      if (items[i].node === null) pts.push([cx(i), top(i)], [cx(i), top(i) + BOX_H - 1]);
      else if (k === 0) pts.push([ports.get(`out:${i}:${chain[1]}`)!, top(i) + BOX_H - 1]);
      else pts.push([ports.get(`in:${i}:${chain[k - 1]}`)!, top(i)]);
    });
    for (let k = 1; k < pts.length; k++) line(canvas, pts[k - 1], pts[k]);
  }
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.node === null) continue;
    const x = left.get(i)!;
    const y = top(i);
    const rule = '+' + '-'.repeat(it.width - 2) + '+';
    text(canvas, x, y, rule);
    text(canvas, x, y + 1, '|' + ' ' + it.node + ' ' + '|');
    text(canvas, x, y + 2, rule);
  }
  return canvas.map((row) => row.join('').replace(/\s+$/, '')).join('\n');
}

function text(canvas: string[][], x: number, y: number, s: string): void {
  let k = 0;
  for (const ch of s) {
    if (x + k < canvas[y].length) canvas[y][x + k] = ch;
    k++;
  }
}

/** Python's round(): half to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function line(canvas: string[][], [x0, y0]: [number, number], [x1, y1]: [number, number]): void {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const steps = Math.max(Math.abs(dx), Math.abs(dy));
  for (let s = 0; s <= steps; s++) {
    const x = x0 + (steps ? roundHalfEven((s * dx) / steps) : 0);
    const y = y0 + (steps ? roundHalfEven((s * dy) / steps) : 0);
    if (y >= 0 && y < canvas.length && x >= 0 && x < canvas[y].length) canvas[y][x] = '*';
  }
}

function crossings(layers: number[][], items: Item[]): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const posUp = new Map(layers[l].map((id, k) => [id, k]));
    const posDown = new Map(layers[l + 1].map((id, k) => [id, k]));
    const segs: [number, number][] = [];
    for (const id of layers[l]) for (const d of items[id].down) segs.push([posUp.get(id)!, posDown.get(d)!]);
    for (let a = 0; a < segs.length; a++) {
      for (let b = a + 1; b < segs.length; b++) {
        if ((segs[a][0] - segs[b][0]) * (segs[a][1] - segs[b][1]) < 0) total++;
      }
    }
  }
  return total;
}

/** Barycenter ordering: a few down/up sweeps, keeping the ordering with the fewest crossings. */
function orderLayers(layers: number[][], items: Item[]): void {
  const sweep = (l: number, dir: 'up' | 'down'): void => {
    const ref = new Map((dir === 'up' ? layers[l - 1] : layers[l + 1]).map((id, k) => [id, k]));
    const bary = new Map<number, number>();
    layers[l].forEach((id, k) => {
      const nb = dir === 'up' ? items[id].up : items[id].down;
      bary.set(id, nb.length ? nb.reduce((s, n) => s + ref.get(n)!, 0) / nb.length : k);
    });
    layers[l] = layers[l]
      .map((id, k) => ({ id, k }))
      .sort((a, b) => bary.get(a.id)! - bary.get(b.id)! || a.k - b.k)
      .map((e) => e.id);
  };
  let best = layers.map((l) => [...l]);
  let bestC = crossings(layers, items);
  for (let round = 0; round < 6 && bestC > 0; round++) {
    for (let l = 1; l < layers.length; l++) sweep(l, 'up');
    for (let l = layers.length - 2; l >= 0; l--) sweep(l, 'down');
    const c = crossings(layers, items);
    if (c < bestC) {
      bestC = c;
      best = layers.map((l) => [...l]);
    }
  }
  for (let l = 0; l < layers.length; l++) layers[l] = best[l];
}

function gap(a: Item, b: Item): number {
  return (a.width + b.width) / 2 + (a.node === null || b.node === null ? DUMMY_GAP : NODE_GAP);
}

/**
 * Centers: each layer starts packed, then alternating sweeps pull every item towards the mean of
 * its neighbours in the previous layer, keeping the order and the minimum gaps (least squares per
 * layer, by merging blocks of items that would overlap).
 */
function placeX(layers: number[][], items: Item[]): void {
  for (const layer of layers) {
    let c = 0;
    layer.forEach((id, k) => {
      if (k > 0) c += gap(items[layer[k - 1]], items[id]);
      items[id].center = c;
    });
  }
  const filled = layers.filter((l) => l.length);
  const widest = Math.max(...filled.map((l) => items[l[l.length - 1]].center));
  for (const layer of filled) {
    const shift = (widest - items[layer[layer.length - 1]].center) / 2;
    for (const id of layer) items[id].center += shift;
  }
  const place = (layer: number[], desired: number[]): void => {
    // blocks of consecutive items placed tight; block position = mean of (desired - offset)
    interface Block {
      start: number;
      end: number;
      offsets: number[];
      pos: number;
    }
    const blocks: Block[] = [];
    layer.forEach((id, k) => {
      let b: Block = { start: k, end: k, offsets: [0], pos: desired[k] };
      for (;;) {
        const prev = blocks[blocks.length - 1];
        if (!prev) break;
        const prevLastCenter = prev.pos + prev.offsets[prev.offsets.length - 1];
        const need = gap(items[layer[prev.end]], items[layer[b.start]]);
        if (b.pos - prevLastCenter >= need) break;
        // merge b into prev
        const base = prev.offsets[prev.offsets.length - 1] + need;
        const offsets = [...prev.offsets, ...b.offsets.map((o) => o + base)];
        const ds = desired.slice(prev.start, b.end + 1);
        const pos = ds.reduce((s, d, j) => s + d - offsets[j], 0) / ds.length;
        blocks.pop();
        b = { start: prev.start, end: b.end, offsets, pos };
      }
      blocks.push(b);
      void id;
    });
    for (const b of blocks) for (let k = b.start; k <= b.end; k++) items[layer[k]].center = b.pos + b.offsets[k - b.start];
  };
  for (let round = 0; round < 8; round++) {
    const down = round % 2 === 0;
    const order = down ? layers.keys() : [...layers.keys()].reverse();
    for (const l of order) {
      const layer = layers[l];
      const desired = layer.map((id) => {
        const nb = down ? items[id].up : items[id].down;
        return nb.length ? nb.reduce((s, n) => s + items[n].center, 0) / nb.length : items[id].center;
      });
      place(layer, desired);
    }
  }
}
