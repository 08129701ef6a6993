import { parseThreatRisk, threatRiskRank } from '@riskgate/engine/risk-order';
import { humanize } from './format.ts';
import type { Threat } from './types.ts';

/** Rank of a threat's risk as the API sent it; an unknown value ranks like high (the safe side). */
const rankOf = (risk: string): number => threatRiskRank(parseThreatRisk(risk) ?? 'high');

/** Why the device has its risk level: the highest risk among its active threats. */
export function explainRisk(level: string, active: readonly Threat[]): string {
  if (active.length === 0) return 'No active threat: the device is secured.';
  const top = Math.max(...active.map((t) => rankOf(t.risk)));
  const drivers = active.filter((t) => rankOf(t.risk) === top);
  if (top === 0)
    return `The ${active.length === 1 ? 'active threat is' : `${active.length} active threats are`} rated none, so the device is secured.`;
  const names = drivers.map((t) => t.title).join(', ');
  return `${humanize(level)} because ${drivers.length === 1 ? 'an active threat is' : `${drivers.length} active threats are`} rated ${drivers[0]?.risk ?? level}: ${names}. A device's risk level is the highest risk among its active threats.`;
}
