/**
 * `npx tsx bench/engine/profile.ts [seed] [--out=dir]`: runs the engine benchmark's assess loop alone
 * (no baseline), warms it up, then CPU-profiles the timed rounds only (through the inspector, so
 * loading and indexing stay out of the profile) and prints the top functions under `assess`, by
 * self time and inclusive. With `--out`, also writes the `.cpuprofile` there (open it in Chrome
 * DevTools or speedscope). The percentages are shares of the samples taken inside `assess`.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { createRng, loadProfileIntel } from '@riskgate/agent';
import { assess, buildIntelIndex } from '@riskgate/engine';
import { loadIntelFiles } from '../../packages/server/src/intel/load-files.ts';
import { collectRealIndicators, generateSnapshot } from './snapshot.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

const args = process.argv.slice(2);
const seed = Number(args.find((a) => !a.startsWith('--')) ?? 20261125);
const outDir = args.find((a) => a.startsWith('--out='))?.slice('--out='.length);
const datasets = process.env.RISKGATE_DATASETS ?? resolve(import.meta.dirname, '../../../shared/datasets');
const { feeds } = await loadIntelFiles([datasets]);
const index = buildIntelIndex(feeds);
const rng = createRng(`engine:${seed}`);
const now = new Date('2026-11-25T12:00:00.000Z');
const profileIntel = loadProfileIntel(datasets);
const real = collectRealIndicators(feeds);
const snapshots = Array.from(
  { length: 64 },
  () => generateSnapshot({ rng, now, profileIntel, real, apps: 200, plantChance: 0.2 }).snapshot,
);
let sink = 0;
const run = (rounds: number) => {
  for (let i = 0; i < rounds; i++)
    for (const s of snapshots) sink += assess(s, index, {}, { now }).detections.length;
};
run(30);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const rounds = 100;
const start = performance.now();
run(rounds);
const perCall = ((performance.now() - start) * 1000) / (rounds * snapshots.length);
const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
session.disconnect();
process.stdout.write(
  `${rounds * snapshots.length} assessments, mean ${perCall.toFixed(1)} µs while profiled (sink ${sink})\n`,
);
if (outDir !== undefined) {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `engine-assess-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  process.stdout.write(`profile written to ${file}\n`);
}

// Self and inclusive samples per function, counting only stacks that pass through `assess`.
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const name = (node: ProfileNode) => {
  const { functionName, url, columnNumber } = node.callFrame;
  const file = url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'} ${file}${file === '' ? '' : `:${columnNumber}`}`;
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
for (const id of profile.samples) {
  const stack: ProfileNode[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at);
    if (node !== undefined) stack.push(node);
  }
  const top = stack.findIndex((node) => node.callFrame.functionName === 'assess');
  if (top === -1) continue;
  total++;
  const leaf = stack[0];
  if (leaf !== undefined) self.set(name(leaf), (self.get(name(leaf)) ?? 0) + 1);
  for (const key of new Set(stack.slice(0, top + 1).map(name)))
    inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
}
const print = (title: string, counts: Map<string, number>) => {
  process.stdout.write(`\n${title} (${total} samples in assess; column = offset in the transpiled file)\n`);
  for (const [key, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25))
    process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(6)}%  ${key}\n`);
};
print('self time', self);
print('inclusive time', inclusive);
