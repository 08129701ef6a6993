/**
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/engine/profile-load.ts`: loads and
 * indexes every dataset file once, so that a CPU profile shows where index build time goes.
 */
import { resolve } from 'node:path';
import { buildIntelIndex } from '@riskgate/engine';
import { loadIntelFiles } from '../../packages/server/src/intel/load-files.ts';

const datasets = process.env.RISKGATE_DATASETS ?? resolve(import.meta.dirname, '../../../shared/datasets');
let start = performance.now();
const { feeds } = await loadIntelFiles([datasets]);
const loadMs = performance.now() - start;
start = performance.now();
const index = buildIntelIndex(feeds);
const buildMs = performance.now() - start;
process.stdout.write(
  `load + parse ${loadMs.toFixed(0)} ms, build ${buildMs.toFixed(0)} ms, ${index.stats().indicators} indicators\n`,
);
