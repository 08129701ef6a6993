/**
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/engine/profile.ts [seed]`: runs the
 * engine benchmark's assess loop alone (no baseline, no timing) so that a CPU profile shows where
 * `assess()` spends its time. Prints the top self-time functions of the profile it finds, if any.
 */

import { resolve } from 'node:path';
import { createRng, loadProfileIntel } from '@riskgate/agent';
import { assess, buildIntelIndex } from '@riskgate/engine';
import { loadIntelFiles } from '../../packages/server/src/intel/load-files.ts';
import { collectRealIndicators, generateSnapshot } from './snapshot.ts';

const seed = Number(process.argv[2] ?? 20261125);
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
const start = performance.now();
const rounds = 100;
for (let i = 0; i < rounds; i++)
  for (const s of snapshots) sink += assess(s, index, {}, { now }).detections.length;
const perCall = ((performance.now() - start) * 1000) / (rounds * snapshots.length);
process.stdout.write(
  `${rounds * snapshots.length} assessments, mean ${perCall.toFixed(1)} µs (sink ${sink})\n`,
);
