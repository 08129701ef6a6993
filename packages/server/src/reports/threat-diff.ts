import { type Detection, type RiskLevel, riskLevelOf } from '@riskgate/engine';
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

/** The device risk level: the highest risk among detections that are not ignored; secured when none. */
export function riskLevelOfActive(
  detections: readonly Detection[],
  ignoredKeys: ReadonlySet<string>,
): RiskLevel {
  return riskLevelOf(detections.filter((detection) => !ignoredKeys.has(detection.key)));
}
