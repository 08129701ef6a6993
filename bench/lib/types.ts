/** One measured line of a benchmark: Riskgate beside its baseline, measured in the same run. */
export interface BenchRow {
  readonly metric: string;
  /** Riskgate's value, in `unit`. */
  readonly riskgate: number;
  /** The baseline's value in the same unit; `undefined` when the metric has no baseline. */
  readonly baseline: number | undefined;
  /** `riskgate / baseline` (`undefined` without a baseline). */
  readonly ratio: number | undefined;
  readonly unit: string;
  /** The target from the issue, as text (`< 50 µs`, `≥ 0.8× baseline`). */
  readonly target?: string;
  /** Whether the target was met in this run. */
  readonly met?: boolean;
}

/** What every benchmark receives from the harness. */
export interface BenchContext {
  /** Seed of every generated input (`--seed N`). */
  readonly seed: number;
  /** Absolute path of the repository root. */
  readonly repoRoot: string;
  /** Absolute path of the datasets directory (`RISKGATE_DATASETS` or `<repoRoot>/../shared/datasets`). */
  readonly datasetsDir: string;
  /** Progress for long steps, on stderr (never mixed into the table on stdout). */
  progress(message: string): void;
}

/** What a benchmark returns: its rows and free-text notes (baseline definitions, caveats). */
export interface BenchResult {
  readonly rows: readonly BenchRow[];
  readonly notes?: readonly string[];
}

/** A benchmark module `bench/<name>.bench.ts` exports one of these as `benchmark`. */
export interface Benchmark {
  readonly name: string;
  /** One sentence: what is measured and against which baseline. */
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** A benchmark's outcome inside a run. */
export interface BenchOutcome {
  readonly name: string;
  readonly description: string;
  readonly rows: readonly BenchRow[];
  readonly notes: readonly string[];
  readonly seconds: number;
  /** Set when the benchmark threw: the message, and no rows. */
  readonly error?: string;
}

/** The machine a run was measured on. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** `os.loadavg()` at the start and at the end of the run (1, 5, 15 minutes). */
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
}

/** Everything `BENCHMARKS.md` is rendered from. */
export interface RunReport {
  readonly command: string;
  readonly date: string;
  readonly seed: number;
  readonly machine: MachineInfo;
  readonly outcomes: readonly BenchOutcome[];
}

/** Builds a row, computing the ratio (`riskgate / baseline`). */
export function row(
  metric: string,
  unit: string,
  riskgate: number,
  baseline: number | undefined,
  target?: { readonly text: string; readonly met: boolean },
): BenchRow {
  const ratio = baseline === undefined || baseline === 0 ? undefined : riskgate / baseline;
  return target === undefined
    ? { metric, unit, riskgate, baseline, ratio }
    : { metric, unit, riskgate, baseline, ratio, target: target.text, met: target.met };
}
