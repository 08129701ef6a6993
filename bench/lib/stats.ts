/** Percentile (nearest rank, `p` in [0, 100]) of samples; `NaN` when there are none. Does not mutate. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Nanoseconds since an arbitrary origin, as a number (exact to well below a microsecond). */
export const nowNs = (): number => Number(process.hrtime.bigint());

/** Runs `fn` once and returns its duration in milliseconds. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = nowNs();
  await fn();
  return (nowNs() - start) / 1e6;
}
