import { describeSource } from '../intel/feed-record.ts';
import type { Classification, Detection, FeedRecord, RiskLevel, ThreatRisk } from '../types.ts';
import { type AppliedOverride, classify } from './classify.ts';
import { riskLevelOf } from './level.ts';
import { threatRiskRank } from './order.ts';

/** One threat as the explanation shows it. */
export interface RiskContributor {
  readonly key: string;
  readonly typeId: string;
  readonly title: string;
  readonly summary: string;
  readonly risk: ThreatRisk;
  readonly defaultRisk: ThreatRisk;
  readonly override?: AppliedOverride;
  /** The intel behind the threat: each feed and indicator that matched (absent for rule-based threats). */
  readonly sources?: ThreatSource[];
}

/** One intel source of a threat, as the explanation names it. */
export interface ThreatSource {
  /** Feed id (`stalkerware-indicators`, `report:FooSpy`). */
  readonly feed: string;
  /** The stored feed (id, name, upload / import time), when it came through the feed store. */
  readonly feedRecord?: FeedRecord;
  /** The indicator that matched and its kind. */
  readonly indicator?: string;
  readonly indicatorKind?: string;
  /** The indicator's own reference: `file:line`, `ioc.yaml#Family`, a STIX id. */
  readonly source?: string;
  readonly family?: string;
  /** The report the feed cites. */
  readonly reference?: string;
  /** All of it in one line, for people. */
  readonly text: string;
}

/** The distinct intel sources in a detection's evidence (one per feed, indicator and reference). */
export function threatSources(detection: Pick<Detection, 'evidence'>): ThreatSource[] {
  const seen = new Set<string>();
  const sources: ThreatSource[] = [];
  for (const item of detection.evidence) {
    const provenance = item.provenance;
    if (provenance === undefined) continue;
    const key = `${provenance.feed}\u0000${provenance.feedRecord?.id ?? ''}\u0000${item.indicator ?? ''}\u0000${provenance.source ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const source: { -readonly [K in keyof ThreatSource]: ThreatSource[K] } = {
      feed: provenance.feed,
      text: `${item.indicator === undefined ? '' : `${item.indicatorKind ?? 'indicator'} ${item.indicator} listed by `}${describeSource(provenance)}`,
    };
    if (provenance.feedRecord !== undefined) source.feedRecord = provenance.feedRecord;
    if (item.indicator !== undefined) source.indicator = item.indicator;
    if (item.indicatorKind !== undefined) source.indicatorKind = item.indicatorKind;
    if (provenance.source !== undefined) source.source = provenance.source;
    if (provenance.family !== undefined) source.family = provenance.family;
    if (provenance.reference !== undefined) source.reference = provenance.reference;
    sources.push(source);
  }
  return sources;
}

/** Why a device is at its risk level. */
export interface RiskExplanation {
  readonly level: RiskLevel;
  /** One sentence for people: "High risk because of 2 high-risk threats: …". */
  readonly summary: string;
  /** The threats whose risk equals the level (they set it). Empty when secured. */
  readonly drivers: readonly RiskContributor[];
  /** Every threat that counts (risk above `none`), highest risk first. */
  readonly contributors: readonly RiskContributor[];
  /** Threats recorded with risk `none` (e.g. downgraded by the tenant): they do not count. */
  readonly notCounted: readonly RiskContributor[];
  /** Tenant overrides that changed (or pinned) a threat's risk. */
  readonly overrides: readonly (AppliedOverride & { readonly threatKey: string })[];
}

function contributor(detection: Detection, classification: Classification | undefined): RiskContributor {
  const sources = threatSources(detection);
  const base = {
    key: detection.key,
    typeId: detection.typeId,
    title: detection.title,
    summary: detection.summary,
    risk: detection.risk,
    defaultRisk: detection.defaultRisk,
    ...(sources.length > 0 ? { sources } : {}),
  };
  if (classification === undefined) return base;
  const { override } = classify(detection.typeId, detection.defaultRisk, detection.family, classification);
  return override ? { ...base, override } : base;
}

function byRiskThenLocaleKey(a: RiskContributor, b: RiskContributor): number {
  return threatRiskRank(b.risk) - threatRiskRank(a.risk) || a.key.localeCompare(b.key);
}

const LEVEL_WORD: Readonly<Record<RiskLevel, string>> = {
  secured: 'Secured',
  low: 'Low risk',
  medium: 'Medium risk',
  high: 'High risk',
};

/**
 * Explains a device's risk level from its active detections. Pass the tenant classification to
 * have each override named (by type or by family); without it, overrides are not attributed.
 */
export function explainRisk(
  detections: readonly Detection[],
  classification?: Classification,
): RiskExplanation {
  const level = riskLevelOf(detections);
  // One pass, in detection order: what counts, what does not, and the overrides.
  const contributors: RiskContributor[] = [];
  const notCounted: RiskContributor[] = [];
  const overrides: (AppliedOverride & { readonly threatKey: string })[] = [];
  for (const detection of detections) {
    const c = contributor(detection, classification);
    if (c.risk === 'none') notCounted.push(c);
    else contributors.push(c);
    if (c.override) overrides.push({ ...c.override, threatKey: c.key });
  }
  if (contributors.length > 1) contributors.sort(byRiskThenLocaleKey);
  const drivers = level === 'secured' ? [] : contributors.filter((c) => c.risk === level);
  let summary: string;
  if (level === 'secured') {
    summary =
      notCounted.length > 0
        ? `Secured: no active threat counts (${notCounted.length} recorded with risk none).`
        : 'Secured: no active threats.';
  } else {
    const names = drivers.map((d) => d.summary).join('; ');
    const plural = drivers.length === 1 ? 'threat' : 'threats';
    summary = `${LEVEL_WORD[level]} because of ${drivers.length} ${level}-risk ${plural}: ${names}.`;
  }
  return { level, summary, drivers, contributors, notCounted, overrides };
}
