/**
 * engine: `assess()` of seeded 200-app Android snapshots against the index of everything in the
 * datasets directory, beside the floor of plain `Map.get` lookups of each app's four indicators.
 */
import { createRng, loadProfileIntel } from '@riskgate/agent';
import { assess, type Snapshot } from '@riskgate/engine';
import { loadIntel } from './engine/intel.ts';
import { generateSnapshot, type Planted } from './engine/snapshot.ts';
import { createPlainLookup, sampleFreshMicros, sampleMicros } from './engine/timing.ts';
import { median, percentile } from './lib/stats.ts';
import { type BenchContext, type Benchmark, type BenchResult, row } from './lib/types.ts';

const APPS = 200;
const SNAPSHOTS = 64;
const WARMUP_ROUNDS = 30;
const ROUNDS = 8;
const BLOCKS = 20;
const FRESH_ROUNDS = 1;
const MIB = 1024 * 1024;

async function run(ctx: BenchContext): Promise<BenchResult> {
  const intel = await loadIntel(ctx.datasetsDir, ctx.progress);
  const rng = createRng(`engine:${ctx.seed}`);
  const now = new Date('2026-11-25T12:00:00.000Z');
  const plantChance = 0.05 + rng.next() * 0.25;
  const profileIntel = loadProfileIntel(ctx.datasetsDir);
  const generated = Array.from({ length: SNAPSHOTS }, () =>
    generateSnapshot({ rng, now, profileIntel, real: intel.real, apps: APPS, plantChance }),
  );
  const snapshots: Snapshot[] = generated.map((g) => g.snapshot);
  const classification = {};
  const options = { now };
  const riskgate = (snapshot: Snapshot) =>
    assess(snapshot, intel.index, classification, options).detections.length;
  const floor = createPlainLookup(intel.plain);

  // Every planted indicator must be found, or the benchmark measures a broken engine.
  const missed: Planted[] = [];
  for (const { snapshot, planted } of generated) {
    const observed = new Set(
      assess(snapshot, intel.index, classification, options).detections.flatMap((d) =>
        d.evidence.flatMap((e) => (e.indicator === undefined ? [] : [e.observed, e.indicator])),
      ),
    );
    for (const p of planted) if (!observed.has(p.value)) missed.push(p);
  }
  const plantedCount = generated.reduce((n, g) => n + g.planted.length, 0);

  ctx.progress(`warm-up: ${WARMUP_ROUNDS * SNAPSHOTS} assessments`);
  sampleMicros(snapshots, WARMUP_ROUNDS, riskgate, []);
  sampleMicros(snapshots, WARMUP_ROUNDS, floor, []);
  const assessUs: number[] = [];
  const floorUs: number[] = [];
  // Alternate blocks so that load from other processes hits both sides alike.
  for (let block = 0; block < BLOCKS; block++) {
    ctx.progress(`measuring block ${block + 1}/${BLOCKS}`);
    sampleMicros(snapshots, ROUNDS, riskgate, assessUs);
    sampleMicros(snapshots, ROUNDS, floor, floorUs);
  }
  const texts = snapshots.map((snapshot) => JSON.stringify(snapshot));
  const freshAssessUs: number[] = [];
  const freshFloorUs: number[] = [];
  for (let block = 0; block < BLOCKS; block++) {
    ctx.progress(`measuring freshly parsed snapshots, block ${block + 1}/${BLOCKS}`);
    sampleFreshMicros(texts, FRESH_ROUNDS, riskgate, freshAssessUs);
    sampleFreshMicros(texts, FRESH_ROUNDS, floor, freshFloorUs);
  }
  const assessMedian = median(assessUs);
  const totalMs = intel.loadMs + intel.buildMs;
  const stats = intel.index.stats();
  return {
    rows: [
      row('assess() median per 200-app snapshot', 'µs', assessMedian, median(floorUs), {
        text: '< 50 µs',
        met: assessMedian < 50,
      }),
      row('assess() p99 per 200-app snapshot', 'µs', percentile(assessUs, 99), percentile(floorUs, 99)),
      row(
        'assess() median, freshly parsed snapshot (as after JSON.parse of a report)',
        'µs',
        median(freshAssessUs),
        median(freshFloorUs),
      ),
      row(
        'assess() p99, freshly parsed snapshot',
        'µs',
        percentile(freshAssessUs, 99),
        percentile(freshFloorUs, 99),
      ),
      row('load + parse every intel file', 'ms', intel.loadMs, intel.readOnlyMs),
      row('buildIntelIndex', 'ms', intel.buildMs, intel.plainBuildMs),
      row(
        'index ready from files (load + parse + build)',
        'ms',
        totalMs,
        intel.readOnlyMs + intel.plainBuildMs,
        {
          text: '< 5,000 ms',
          met: totalMs < 5000,
        },
      ),
      row('index memory (heap after GC)', 'MiB', intel.indexBytes / MIB, intel.plainBytes / MIB),
    ],
    notes: [
      `Inputs: ${SNAPSHOTS} Android snapshots of ${APPS} apps each (random package ids, signer and APK hashes; device, integrity and network from the agent's clean profile; 20–40 visited domains), ${plantedCount} real indicators planted (chance ${(plantChance * 100).toFixed(1)}% per kind per snapshot); ${missed.length === 0 ? 'assess() flagged every one' : `assess() MISSED ${missed.length}: ${missed.map((m) => `${m.kind} ${m.value}`).join(', ')}`}.`,
      `Timing: ${assessUs.length} timed calls per side after ${WARMUP_ROUNDS * SNAPSHOTS} warm-up calls, in ${BLOCKS} alternating blocks; one thread. The first two rows reuse the same snapshot objects (string hashes cached after the first call, as in a tight engine loop); the "freshly parsed" rows run each call on a new \`JSON.parse\` of the snapshot (${freshAssessUs.length} calls per side, parsing not timed), as the server does per report, so every lookup hashes its key.`,
      'Baselines: assess() against plain `Map.get` of each app’s package id, signer SHA-1, signer SHA-256 and APK SHA-256 in plain Maps of the same indicators (the floor of the lookups alone, no detectors, no provenance); load + parse against reading the same files as text; buildIntelIndex against filling those plain Maps; memory against the plain Maps (value → true).',
      `Index: ${stats.indicators.toLocaleString('en-US')} indicators, ${stats.kev} KEV entries, ${stats.iosReleases} iOS releases, ${stats.eolCycles} end-of-life cycles from ${intel.files} files (${(intel.bytes / MIB).toFixed(1)} MiB of text).`,
    ],
  };
}

export const benchmark: Benchmark = {
  name: 'engine',
  description:
    'assess() of a 200-app snapshot against the index of every dataset file, beside plain Map.get lookups; index build time and memory.',
  run,
};
