/**
 * `npm run bench [-- <name>...] [--seed N] [--no-write]`: runs the benchmarks in `bench/`
 * (`<name>.bench.ts`), prints one table each and rewrites `BENCHMARKS.md` (the sections of the
 * benchmarks that ran; the others are kept). Progress goes to stderr, tables to stdout.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { listBenchmarks, loadBenchmark } from './lib/discover.ts';
import { machineInfo } from './lib/machine.ts';
import { renderMarkdown, renderTable } from './lib/render.ts';
import { DEFAULT_SEED } from './lib/seed.ts';
import { nowNs } from './lib/stats.ts';
import type { BenchContext, BenchOutcome } from './lib/types.ts';

interface Args {
  readonly names: string[];
  readonly seed: number;
  readonly write: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const names: string[] = [];
  let seed = DEFAULT_SEED;
  let write = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--seed' || arg.startsWith('--seed=')) {
      const text = arg === '--seed' ? argv[++i] : arg.slice('--seed='.length);
      seed = Number(text);
      if (!Number.isSafeInteger(seed)) throw new Error(`--seed needs an integer, got "${text ?? ''}"`);
    } else if (arg === '--no-write') write = false;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg} (known: --seed N, --no-write)`);
    else names.push(arg);
  }
  return { names, seed, write };
}

function commandLine(argv: readonly string[]): string {
  const args = argv.length === 0 ? '' : ` -- ${argv.join(' ')}`;
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args}` : `tsx bench/run.ts${args}`;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const benchDir = import.meta.dirname;
  const repoRoot = resolve(benchDir, '..');
  const available = await listBenchmarks(benchDir);
  const unknown = args.names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
    return 2;
  }
  const names = args.names.length > 0 ? args.names : available;
  const fromEnv = process.env.RISKGATE_DATASETS;
  const datasetsDir =
    fromEnv !== undefined && fromEnv !== ''
      ? resolve(fromEnv)
      : resolve(repoRoot, '..', 'shared', 'datasets');
  const loadStart = loadavg();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const outcomes: BenchOutcome[] = [];
  for (const name of names) {
    const started = nowNs();
    const ctx: BenchContext = {
      seed: args.seed,
      repoRoot,
      datasetsDir,
      progress: (message) => process.stderr.write(`[${name}] ${message}\n`),
    };
    let outcome: BenchOutcome;
    try {
      const benchmark = await loadBenchmark(benchDir, name);
      ctx.progress(benchmark.description);
      const result = await benchmark.run(ctx);
      outcome = {
        name,
        description: benchmark.description,
        rows: result.rows,
        notes: result.notes ?? [],
        seconds: (nowNs() - started) / 1e9,
      };
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`[${name}] failed: ${message}\n`);
      outcome = {
        name,
        description: '',
        rows: [],
        notes: [],
        seconds: (nowNs() - started) / 1e9,
        error: message.split('\n')[0] ?? message,
      };
    }
    outcomes.push(outcome);
    process.stdout.write(`\n${name} (${outcome.seconds.toFixed(1)} s)\n${renderTable(outcome.rows)}\n`);
    for (const note of outcome.notes) process.stdout.write(`  - ${note}\n`);
  }
  const report = {
    command: commandLine(argv),
    date,
    seed: args.seed,
    machine: machineInfo(loadStart),
    outcomes,
  };
  process.stdout.write(
    `\nload average (1/5/15 min): start ${loadStart.map((v) => v.toFixed(2)).join(' ')}, end ${report.machine.loadEnd.map((v) => v.toFixed(2)).join(' ')}\n`,
  );
  if (args.write) {
    const target = join(repoRoot, 'BENCHMARKS.md');
    const previous = existsSync(target) ? readFileSync(target, 'utf8') : '';
    writeFileSync(target, renderMarkdown(report, previous));
    process.stderr.write(`wrote ${target}\n`);
  }
  return outcomes.some((outcome) => outcome.error !== undefined) ? 1 : 0;
}

process.exitCode = await main();
