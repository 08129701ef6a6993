import type { RiskLevel, ThreatRisk } from '../types.ts';

const THREAT_RISK_RANK: Readonly<Record<ThreatRisk, number>> = { none: 0, low: 1, medium: 2, high: 3 };
const LEVEL_BY_RANK: readonly RiskLevel[] = ['secured', 'low', 'medium', 'high'];

/** Numeric rank of a threat risk (`none` 0 … `high` 3). */
export function threatRiskRank(risk: ThreatRisk): number {
  return THREAT_RISK_RANK[risk];
}

/**
 * Device risk level: the highest risk among the given active threats; `secured` when there is none
 * or all are `none` (recorded, not counted).
 */
export function riskLevelOf(threats: Iterable<{ readonly risk: ThreatRisk }>): RiskLevel {
  let rank = 0;
  for (const threat of threats) {
    const r = THREAT_RISK_RANK[threat.risk];
    if (r > rank) rank = r;
    if (rank === 3) break;
  }
  return LEVEL_BY_RANK[rank] ?? 'high';
}

/** The device risk level a single threat risk maps to (`none` → `secured`). */
export function levelOfThreatRisk(risk: ThreatRisk): RiskLevel {
  return LEVEL_BY_RANK[THREAT_RISK_RANK[risk]] ?? 'high';
}
