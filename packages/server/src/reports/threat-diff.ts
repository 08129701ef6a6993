import type { Detection, RiskLevel, ThreatRisk } from '@riskgate/engine';
import type { ThreatRow } from '../queries/threats.ts';

/** What to do with the stored threats of a device after an assessment. */
export interface ThreatDiff {
  /** Detections seen for the first time. */
  readonly created: readonly Detection[];
  /** Stored threats seen again (active, resolved → reactivated, or ignored), with the new detection. */
  readonly seenAgain: readonly { readonly row: ThreatRow; readonly detection: Detection }[];
  /** Active threats no longer detected. */
  readonly resolved: readonly ThreatRow[];
}

/** Diffs detections against stored threats by key: new / still present / resolved. Pure. */
export function diffThreats(stored: readonly ThreatRow[], detections: readonly Detection[]): ThreatDiff {
  const byKey = new Map(stored.map((row) => [row.key, row] as const));
  const detected = new Set<string>();
  const created: Detection[] = [];
  const seenAgain: { row: ThreatRow; detection: Detection }[] = [];
  for (const detection of detections) {
    detected.add(detection.key);
    const row = byKey.get(detection.key);
    if (row === undefined) created.push(detection);
    else seenAgain.push({ row, detection });
  }
  const resolved = stored.filter((row) => row.state === 'active' && !detected.has(row.key));
  return { created, seenAgain, resolved };
}

const RANK: Readonly<Record<ThreatRisk, number>> = { none: 0, low: 1, medium: 2, high: 3 };
const LEVEL: readonly RiskLevel[] = ['secured', 'low', 'medium', 'high'];

/** The device risk level: the highest risk among detections that are not ignored; secured when none. */
export function riskLevelOfActive(
  detections: readonly Detection[],
  ignoredKeys: ReadonlySet<string>,
): RiskLevel {
  let rank = 0;
  for (const detection of detections) {
    if (!ignoredKeys.has(detection.key)) rank = Math.max(rank, RANK[detection.risk]);
  }
  return LEVEL[rank] ?? 'secured';
}

/** Risk labels other systems (UEM) act on; removed when the device is secured. */
export const RISK_LABELS: Readonly<Record<RiskLevel, string | undefined>> = {
  secured: undefined,
  low: 'MTD - Low Risk',
  medium: 'MTD - Moderate Risk',
  high: 'MTD - High Risk',
};

/** The device's labels for a risk level: other labels are kept, the MTD risk label is replaced. */
export function labelsFor(current: readonly string[], level: RiskLevel): string[] {
  const managed = new Set(Object.values(RISK_LABELS).filter((label) => label !== undefined));
  const kept = current.filter((label) => !managed.has(label));
  const label = RISK_LABELS[level];
  return label === undefined ? kept : [...kept, label];
}
