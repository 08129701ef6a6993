// Summarises a V8 .cpuprofile from the first sample inside report-service: top self and inclusive time.
// node bench/ingest-profile/summary.mjs <file.cpuprofile> [rows]
import { readFileSync } from 'node:fs';

const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const N = Number(process.argv[3] ?? 40);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n) =>
  `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-3).join('/')}:${n.callFrame.lineNumber + 1}:${n.callFrame.columnNumber + 1}`;
const stackHas = (id, re) => {
  let cur = id;
  while (cur !== undefined) {
    if (re.test(byId.get(cur).callFrame.url)) return true;
    cur = parent.get(cur);
  }
  return false;
};
let started = false;
let total = 0;
const counts = new Map();
prof.samples.forEach((id, i) => {
  const t = prof.timeDeltas[i] ?? 0;
  if (!started && stackHas(id, /report-service/)) started = true;
  if (!started) return;
  counts.set(id, (counts.get(id) ?? 0) + t);
  total += t;
});
const self = new Map();
const incl = new Map();
for (const [id, t] of counts) {
  const k = key(byId.get(id));
  self.set(k, (self.get(k) ?? 0) + t);
  const seen = new Set();
  let cur = id;
  while (cur !== undefined) {
    const kk = key(byId.get(cur));
    if (!seen.has(kk)) {
      incl.set(kk, (incl.get(kk) ?? 0) + t);
      seen.add(kk);
    }
    cur = parent.get(cur);
  }
}
const pr = (m, n) => {
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log((t / 1000).toFixed(0).padStart(7), 'ms', ((100 * t) / total).toFixed(1).padStart(5) + '%', k);
};
console.log(`window ${(total / 1e6).toFixed(1)} s`);
pr(self, N);
console.log('--- inclusive');
pr(incl, N + 30);
