/**
 * Loads every intel file of the datasets directory twice: once into Riskgate's index, once into the
 * baseline (plain `Map<value, true>` per indicator kind), timing each step and measuring the heap each
 * structure keeps once the parsed feeds are released.
 */
import { readFile } from 'node:fs/promises';
import { buildIntelIndex, type IntelIndex, type ParsedFeed } from '@riskgate/engine';
import { loadIntelFiles } from '../../packages/server/src/intel/load-files.ts';
import { heapUsedAfterGc } from '../lib/gc.ts';
import { nowNs } from '../lib/stats.ts';
import { collectRealIndicators, type RealIndicators } from './snapshot.ts';

/** The baseline index: one plain Map per indicator kind, value → true. */
export type PlainMaps = ReadonlyMap<string, ReadonlyMap<string, true>>;

export interface LoadedIntel {
  readonly index: IntelIndex;
  readonly plain: PlainMaps;
  readonly real: RealIndicators;
  readonly files: number;
  readonly bytes: number;
  /** Milliseconds: reading and parsing every file (`loadIntelFiles`), and reading the same files only. */
  readonly loadMs: number;
  readonly readOnlyMs: number;
  /** Milliseconds: `buildIntelIndex`, and filling the plain Maps from the same feeds. */
  readonly buildMs: number;
  readonly plainBuildMs: number;
  /** Heap bytes held by the index and by the plain Maps (after GC, feeds released). */
  readonly indexBytes: number;
  readonly plainBytes: number;
}

const msSince = (start: number) => (nowNs() - start) / 1e6;

async function loadFeeds(dir: string): Promise<{ feeds: ParsedFeed[]; paths: string[]; ms: number }> {
  const start = nowNs();
  const result = await loadIntelFiles([dir]);
  const ms = msSince(start);
  if (result.errors.length > 0)
    throw new Error(
      `intel files failed to load: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    );
  const paths = result.files.filter((file) => file.status === 'loaded').map((file) => file.path);
  return { feeds: result.feeds, paths, ms };
}

function fillPlainMaps(feeds: readonly ParsedFeed[]): Map<string, Map<string, true>> {
  const maps = new Map<string, Map<string, true>>();
  for (const feed of feeds)
    for (const { kind, value } of feed.indicators) {
      let map = maps.get(kind);
      if (map === undefined) {
        map = new Map();
        maps.set(kind, map);
      }
      map.set(value, true);
    }
  return maps;
}

/** Loads the datasets into both structures; `progress` reports each step on stderr. */
export async function loadIntel(dir: string, progress: (message: string) => void): Promise<LoadedIntel> {
  const heapBefore = heapUsedAfterGc();
  progress(`loading and parsing every file under ${dir}`);
  let first: { feeds: ParsedFeed[]; paths: string[]; ms: number } | undefined = await loadFeeds(dir);
  const { paths } = first;
  const loadMs = first.ms;
  let start = nowNs();
  const index = buildIntelIndex(first.feeds);
  const buildMs = msSince(start);
  const real = collectRealIndicators(first.feeds);
  first = undefined;
  const indexBytes = heapUsedAfterGc() - heapBefore;
  progress(
    `index: ${index.stats().indicators} indicators from ${paths.length} files; loading again for the baseline`,
  );

  const heapBeforeSecond = heapUsedAfterGc();
  let second: { feeds: ParsedFeed[] } | undefined = await loadFeeds(dir);
  start = nowNs();
  const plain = fillPlainMaps(second.feeds);
  const plainBuildMs = msSince(start);
  second = undefined;
  // Like the index, the plain Maps keep the parsed value strings alive; the feeds' wrappers are freed.
  const plainBytes = heapUsedAfterGc() - heapBeforeSecond;

  start = nowNs();
  let bytes = 0;
  for (const path of paths) bytes += (await readFile(path, 'utf8')).length;
  const readOnlyMs = msSince(start);
  return {
    index,
    plain,
    real,
    files: paths.length,
    bytes,
    loadMs,
    readOnlyMs,
    buildMs,
    plainBuildMs,
    indexBytes,
    plainBytes,
  };
}
