/** Retry policy for delivering one report. */
export interface RetryPolicy {
  /** Tries per delivery attempt (first try included). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before retry number `retry` (0-based): exponential, capped, with "equal jitter" (half fixed,
 * half random) so that a fleet coming back online does not retry in lockstep.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
