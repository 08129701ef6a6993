import type { Classification, ThreatRisk } from '../types.ts';

/** A tenant override that changed a threat's risk. */
export interface AppliedOverride {
  readonly by: 'type' | 'family';
  /** The `byType` key (threat type id) or `byFamily` key (lower-cased family) that matched. */
  readonly key: string;
  readonly from: ThreatRisk;
  readonly to: ThreatRisk;
}

/** The effective risk of one threat and the override that produced it, if any. */
export interface ClassifiedRisk {
  readonly risk: ThreatRisk;
  readonly override?: AppliedOverride;
}

/**
 * Applies the tenant classification to one threat: a `byFamily` entry (family lower-cased) wins over
 * a `byType` entry, which wins over `defaultRisk` (the catalog's, or the detector's instance risk).
 * An override equal to the default is still reported, so the explanation shows the tenant's choice.
 */
export function classify(
  typeId: string,
  defaultRisk: ThreatRisk,
  family: string | undefined,
  classification: Classification,
): ClassifiedRisk {
  if (family !== undefined && classification.byFamily !== undefined) {
    const key = family.toLowerCase();
    const risk = Object.hasOwn(classification.byFamily, key) ? classification.byFamily[key] : undefined;
    if (risk !== undefined) return { risk, override: { by: 'family', key, from: defaultRisk, to: risk } };
  }
  if (classification.byType !== undefined) {
    const risk = Object.hasOwn(classification.byType, typeId) ? classification.byType[typeId] : undefined;
    if (risk !== undefined)
      return { risk, override: { by: 'type', key: typeId, from: defaultRisk, to: risk } };
  }
  return UNCHANGED[defaultRisk];
}

/** The result without an override, one per risk (shared: results are read-only values). */
const UNCHANGED: Readonly<Record<ThreatRisk, ClassifiedRisk>> = {
  none: { risk: 'none' },
  low: { risk: 'low' },
  medium: { risk: 'medium' },
  high: { risk: 'high' },
};
