import type { Evidence, IndicatorCategory, IndicatorHit, Provenance } from '../types.ts';

/** One evidence entry per provenance of `hit` whose category passes `accept`. */
export function evidenceFromHit(
  hit: IndicatorHit,
  subject: string,
  observed: string,
  accept: (category: IndicatorCategory) => boolean,
): Evidence[] {
  const evidence: Evidence[] = [];
  for (const provenance of hit.provenance) {
    if (accept(provenance.category)) {
      evidence.push({ subject, observed, indicatorKind: hit.kind, indicator: hit.value, provenance });
    }
  }
  return evidence;
}

/** The first family named by any provenance in the evidence. */
export function familyOf(evidence: readonly Evidence[]): string | undefined {
  for (const item of evidence) {
    const family: Provenance['family'] = item.provenance?.family;
    if (family) return family;
  }
  return undefined;
}
