import type { RiskLevel } from '../types.ts';

/** Rank of each device risk level, lowest first. */
const RISK_RANK: Readonly<Record<RiskLevel, number>> = { secured: 0, low: 1, medium: 2, high: 3 };

/** Numeric rank of a risk level (`secured` 0 … `high` 3), for "at most" comparisons. */
export function riskRank(level: RiskLevel): number {
  return RISK_RANK[level];
}

/** True when `level` is at or under `max` (e.g. `low` is at most `medium`). */
export function isRiskAtMost(level: RiskLevel, max: RiskLevel): boolean {
  return RISK_RANK[level] <= RISK_RANK[max];
}
