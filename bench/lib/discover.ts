import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchContext, Benchmark, BenchResult } from './types.ts';

const SUFFIX = '.bench.ts';

/** Names of the benchmarks in a directory (`<name>.bench.ts`), sorted. */
export async function listBenchmarks(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length))
    .sort();
}

function isBenchmark(value: unknown): value is Benchmark {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.description === 'string' &&
    typeof candidate.run === 'function'
  );
}

/**
 * Loads `<dir>/<name>.bench.ts`: a module exporting `benchmark` (a `Benchmark`) or, directly,
 * `name`, `description` and `run(ctx)`.
 */
export async function loadBenchmark(dir: string, name: string): Promise<Benchmark> {
  const path = join(dir, `${name}${SUFFIX}`);
  const mod: Record<string, unknown> = await import(pathToFileURL(path).href);
  const candidate = mod.benchmark ?? mod;
  if (!isBenchmark(candidate)) throw new Error(`${path}: exports no { name, description, run(ctx) }`);
  return {
    name: candidate.name,
    description: candidate.description,
    run: (ctx: BenchContext): Promise<BenchResult> => candidate.run(ctx),
  };
}
