import type { RiskLevel, ThreatRisk } from '../types.ts';
import { RISK_LEVELS, threatRiskRank } from './order.ts';

/**
 * Device risk level: the highest risk among the given active threats; `secured` when there is none
 * or all are `none` (recorded, not counted).
 */
export function riskLevelOf(threats: Iterable<{ readonly risk: ThreatRisk }>): RiskLevel {
  let rank = 0;
  for (const threat of threats) {
    const r = threatRiskRank(threat.risk);
    if (r > rank) rank = r;
    if (rank === 3) break;
  }
  return RISK_LEVELS[rank] ?? 'high';
}

/** The device risk level a single threat risk maps to (`none` → `secured`). */
export function levelOfThreatRisk(risk: ThreatRisk): RiskLevel {
  return RISK_LEVELS[threatRiskRank(risk)] ?? 'high';
}
