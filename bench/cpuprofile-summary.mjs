// Summarise a V8 .cpuprofile (from `node --cpu-prof`): the hottest functions by self time and by
// inclusive time. Usage: node bench/cpuprofile-summary.mjs <file.cpuprofile> [nSelf=20] [nIncl=30]
// Example:
//   cd <repo> && node --cpu-prof --cpu-prof-dir=/tmp/prof /path/to/keel/dist/cli/main.js add data
//   node bench/cpuprofile-summary.mjs /tmp/prof/*.cpuprofile
import fs from 'node:fs';

const [file, nSelf = '20', nIncl = '30'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/cpuprofile-summary.mjs <file.cpuprofile> [nSelf] [nIncl]\n');
  process.exit(2);
}
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const perNode = new Map(); // node id -> µs
for (let i = 0; i < p.samples.length; i++) perNode.set(p.samples[i], (perNode.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
const label = (n) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*\/dist\//, 'dist/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}${url ? ':' + (n.callFrame.lineNumber + 1) : ''}`;
};
const self = new Map();
const incl = new Map();
let total = 0;
for (const [id, t] of perNode) {
  total += t;
  const l = label(byId.get(id));
  self.set(l, (self.get(l) || 0) + t);
  const seen = new Set(); // count recursive frames once
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cl = label(byId.get(cur));
    if (seen.has(cl)) continue;
    seen.add(cl);
    incl.set(cl, (incl.get(cl) || 0) + t);
  }
}
const top = (m, k) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([l, t]) => `${(t / 1000).toFixed(0).padStart(7)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${l}`)
    .join('\n');
console.log(`profile total ${(total / 1000).toFixed(0)} ms (sampled main-thread time)\n--- self time`);
console.log(top(self, Number(nSelf)));
console.log('--- inclusive time');
console.log(top(incl, Number(nIncl)));
