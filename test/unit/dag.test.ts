// `dvc dag` drawings (src/cli/render/dag.ts). Expected strings: DVC's tests/unit/command/test_dag.py
// (dot, mermaid, md exactly; ascii in style only), and networkx + pydot 4 output for exact dot order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDag, showAscii, showDot, showMermaid, type DagGraph } from '../../src/cli/render/dag.js';

// The `repo` fixture of test_dag.py: a.dvc, b.dvc, and stages 1 (a, c), 2 (b, c), 3 (a, b, c), 4 (a, h);
// `c` is no stage's output, `h` is stage 3's. Nodes are labelled str(Stage), as in the unit test.
const S = (n: string): string => `stage: '${n}'`;
const repo: DagGraph = {
  nodes: ['a.dvc', 'b.dvc', '1', '2', '3', '4'].map(S),
  edges: [
    ['a.dvc', '1'],
    ['b.dvc', '2'],
    ['a.dvc', '3'],
    ['b.dvc', '3'],
    ['a.dvc', '4'],
    ['3', '4'],
  ].map(([u, d]) => [S(u), S(d)] as [string, string]),
};

test('test_show_dot (sorted lines, as DVC compares them)', () => {
  const expected = [
    '"stage: \'1\'";',
    '"stage: \'2\'";',
    '"stage: \'3\'" -> "stage: \'4\'";',
    '"stage: \'3\'";',
    '"stage: \'4\'";',
    '"stage: \'a.dvc\'" -> "stage: \'1\'";',
    '"stage: \'a.dvc\'" -> "stage: \'3\'";',
    '"stage: \'a.dvc\'" -> "stage: \'4\'";',
    '"stage: \'a.dvc\'";',
    '"stage: \'b.dvc\'" -> "stage: \'2\'";',
    '"stage: \'b.dvc\'" -> "stage: \'3\'";',
    '"stage: \'b.dvc\'";',
    'strict digraph {',
    '}',
  ];
  const actual = showDot(repo)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.trimEnd())
    .sort();
  assert.deepEqual(actual, expected);
});

test('dot output in networkx/pydot order, and the trailing blank line ui.write adds', () => {
  const g: DagGraph = {
    nodes: ['a.dvc', 'b.dvc', '1', '2', '3', '4'],
    edges: [
      ['a.dvc', '1'],
      ['b.dvc', '2'],
      ['a.dvc', '3'],
      ['b.dvc', '3'],
      ['a.dvc', '4'],
      ['3', '4'],
    ],
  };
  assert.equal(
    renderDag(g, { format: 'dot' }),
    'strict digraph {\n"a.dvc";\n"b.dvc";\n"1";\n"2";\n"3";\n"4";\n' +
      '"a.dvc" -> "1";\n"a.dvc" -> "3";\n"a.dvc" -> "4";\n"b.dvc" -> "2";\n"b.dvc" -> "3";\n"3" -> "4";\n}\n\n',
  );
  assert.equal(renderDag({ nodes: [], edges: [] }, { format: 'dot' }), 'strict digraph {\n}\n\n');
});

test('test_show_dot_properly_escapes', () => {
  // nx.DiGraph([(stage, dependency), ...]) in DVC's orientation → our [upstream, downstream]
  const dvcEdges: [string, string][] = [
    ['evaluate', 'train🚄'],
    ['evaluate', 'featurize'],
    ['featurize', 'prepare:1'],
    ['prepare:1', 'data/raw/1.dvc'],
    ['prepare:1', 'data\\raw\\2.dvc'],
    ['prepare', '4'],
  ];
  const nodes: string[] = [];
  for (const [a, b] of dvcEdges) for (const n of [a, b]) if (!nodes.includes(n)) nodes.push(n);
  const g: DagGraph = { nodes, edges: dvcEdges.map(([down, up]) => [up, down]) };
  const expected = new Set([
    'strict digraph {',
    '"data\\raw\\2.dvc";',
    '"prepare";',
    '"4";',
    '"data/raw/1.dvc";',
    '"train🚄";',
    '"evaluate";',
    '"prepare:1";',
    '"featurize";',
    '"data\\raw\\2.dvc" -> "prepare:1";',
    '"4" -> "prepare";',
    '"data/raw/1.dvc" -> "prepare:1";',
    '"train🚄" -> "evaluate";',
    '"prepare:1" -> "featurize";',
    '"featurize" -> "evaluate";',
    '}',
  ]);
  const out = showDot(g);
  assert.deepEqual(new Set(out.split('\n').filter((l) => l !== '').map((l) => l.trimEnd())), expected);
  // exact text networkx + pydot produce for the same graph
  assert.equal(
    out,
    'strict digraph {\n"evaluate";\n"train🚄";\n"featurize";\n"prepare:1";\n"data/raw/1.dvc";\n"data\\raw\\2.dvc";\n"prepare";\n"4";\n' +
      '"train🚄" -> "evaluate";\n"featurize" -> "evaluate";\n"prepare:1" -> "featurize";\n"data/raw/1.dvc" -> "prepare:1";\n' +
      '"data\\raw\\2.dvc" -> "prepare:1";\n"4" -> "prepare";\n}\n',
  );
});

const MERMAID = [
  'flowchart TD',
  '\tnode1["stage: \'1\'"]',
  '\tnode2["stage: \'2\'"]',
  '\tnode3["stage: \'3\'"]',
  '\tnode4["stage: \'4\'"]',
  '\tnode5["stage: \'a.dvc\'"]',
  '\tnode6["stage: \'b.dvc\'"]',
  '\tnode3-->node4',
  '\tnode5-->node1',
  '\tnode5-->node3',
  '\tnode5-->node4',
  '\tnode6-->node2',
  '\tnode6-->node3',
];

test('test_show_mermaid', () => {
  assert.deepEqual(showMermaid(repo).split('\n'), MERMAID);
  assert.equal(renderDag(repo, { format: 'mermaid' }), MERMAID.join('\n') + '\n');
});

test('test_show_mermaid_markdown (dvc dag --md)', () => {
  assert.equal(renderDag(repo, { format: 'md' }), ['```mermaid', ...MERMAID, '```'].join('\n') + '\n');
});

test('mermaid numbers nodes across components, each component sorted', () => {
  const g: DagGraph = {
    nodes: ['z.dvc', 'train', 'b.dvc', 'a'],
    edges: [
      ['z.dvc', 'train'],
      ['b.dvc', 'a'],
    ],
  };
  assert.equal(
    showMermaid(g),
    'flowchart TD\n\tnode1["train"]\n\tnode2["z.dvc"]\n\tnode2-->node1\n\tnode3["a"]\n\tnode4["b.dvc"]\n\tnode4-->node3',
  );
  assert.equal(showMermaid({ nodes: [], edges: [] }), 'flowchart TD');
});

// ---------------------------------------------------------------------------------------------
// ASCII: DVC's style (boxes, `*` edges, upstream on top); the layout is our own
// ---------------------------------------------------------------------------------------------

function boxes(art: string): Map<string, { row: number; col: number }> {
  const out = new Map<string, { row: number; col: number }>();
  art.split('\n').forEach((line, row) => {
    for (const m of line.matchAll(/\| (.+?) \|/g)) out.set(m[1], { row, col: m.index! });
  });
  return out;
}

test('ascii: every stage in a box, dependencies above dependents, only box and edge characters', () => {
  const art = showAscii(repo);
  const b = boxes(art);
  assert.deepEqual([...b.keys()].sort(), repo.nodes.slice().sort());
  for (const [up, down] of repo.edges) assert.ok(b.get(up)!.row < b.get(down)!.row, `${up} above ${down}`);
  const lines = art.split('\n');
  for (const [label, { row, col }] of b) {
    const w = label.length + 4;
    assert.equal(lines[row - 1].slice(col, col + w), '+' + '-'.repeat(w - 2) + '+');
    assert.equal(lines[row + 1].slice(col, col + w), '+' + '-'.repeat(w - 2) + '+');
  }
  const noLabels = lines.map((l) => l.replace(/\| .+? \|/g, '')).join('');
  assert.match(noLabels, /^[ +\-*|]*$/);
  assert.ok(lines.every((l) => l === l.trimEnd()));
  assert.equal(renderDag(repo), art + '\n');
});

test('ascii: the guide’s pipeline drawn top to bottom', () => {
  const g: DagGraph = {
    nodes: ['data/data.xml.dvc', 'prepare', 'featurize', 'train', 'evaluate'],
    edges: [
      ['data/data.xml.dvc', 'prepare'],
      ['prepare', 'featurize'],
      ['featurize', 'train'],
      ['featurize', 'evaluate'],
      ['train', 'evaluate'],
    ],
  };
  assert.equal(
    showAscii(g),
    [
      '+-------------------+',
      '| data/data.xml.dvc |',
      '+-------------------+',
      '          *',
      '          *',
      '          *',
      '     +---------+',
      '     | prepare |',
      '     +---------+',
      '          *',
      '          *',
      '          *',
      '    +-----------+',
      '    | featurize |',
      '    +-----------+',
      '        *   *',
      '        *    *',
      '       *      *',
      '   +-------+  *',
      '   | train |  *',
      '   +-------+  *',
      '       *      *',
      '        *    *',
      '         *  *',
      '     +----------+',
      '     | evaluate |',
      '     +----------+',
    ].join('\n'),
  );
});

test('ascii: one drawing per component, joined by a newline; empty graph prints an empty line', () => {
  assert.equal(
    renderDag({ nodes: ['x', 'y', 'lonely'], edges: [['x', 'y']] }),
    ['+---+', '| x |', '+---+', '  *', '  *', '  *', '+---+', '| y |', '+---+', '+--------+', '| lonely |', '+--------+'].join('\n') + '\n',
  );
  assert.equal(renderDag({ nodes: [], edges: [] }), '\n');
});
