import { findThreatType, renderRemediation } from './catalog/catalog.ts';
import { CORE_DETECTORS } from './detectors/index.ts';
import { osDetectors } from './detectors/os.ts';
import {
  isResolvedAssessSettings,
  RESOLVED_DEFAULT_SETTINGS,
  type ResolvedAssessSettings,
  resolveAssessSettings,
} from './detectors/settings.ts';
import type { AssessSettings, Detector, DetectorContext, Finding } from './detectors/types.ts';
import { classify } from './risk/classify.ts';
import { explainRisk, type RiskExplanation } from './risk/explain.ts';
import { riskLevelOf } from './risk/level.ts';
import { threatRiskRank } from './risk/order.ts';
import type { Snapshot } from './schema/snapshot.ts';
import type { Classification, Detection, Evidence, IntelLookup, RiskLevel, ThreatRisk } from './types.ts';

/** Options of `assess()`. */
export interface AssessOptions {
  /** The time of the assessment (the engine never reads the clock). */
  readonly now: Date;
  /**
   * Tenant settings: resolved once with `resolveAssessSettings` (what a caller assessing many
   * snapshots with the same settings passes), or partial values, resolved on every call; missing
   * values come from `DEFAULT_ASSESS_SETTINGS`.
   */
  readonly settings?: Partial<AssessSettings> | ResolvedAssessSettings;
  /** Detectors run after the built-in ones (e.g. OS detectors that need OS intel). */
  readonly extraDetectors?: readonly Detector[];
}

/** What `assess()` returns: the device's detections, its risk level and why. */
export interface Assessment {
  /** Deduplicated by key; ordered by risk (high first), then key. */
  readonly detections: readonly Detection[];
  readonly riskLevel: RiskLevel;
  readonly explanation: RiskExplanation;
}

/** Every built-in detector: apps, device, network, web, then OS (patch age, end of life, KEV). */
const BUILT_IN_DETECTORS: readonly Detector[] = [...CORE_DETECTORS, ...osDetectors];

/**
 * The settings the detectors get. No memo keyed by the caller's object: the engine keeps no state
 * between calls (a memo would be shared by every caller in the process and would miss changes to a
 * reused object); callers that want the lookup sets built once pass resolved settings.
 */
function settingsFor(
  settings: Partial<AssessSettings> | ResolvedAssessSettings | undefined,
): ResolvedAssessSettings {
  if (settings === undefined) return RESOLVED_DEFAULT_SETTINGS;
  return isResolvedAssessSettings(settings) ? settings : resolveAssessSettings(settings);
}

interface Draft {
  finding: Finding;
  instanceRisk: ThreatRisk | undefined;
  evidence: Evidence[] | undefined;
}

/** Turns one (possibly merged) finding into a detection, applying the catalog and the classification. */
function toDetection(key: string, draft: Draft, classification: Classification): Detection {
  const { finding } = draft;
  const type = findThreatType(finding.typeId);
  if (type === undefined)
    throw new Error(`assess: detector returned unknown threat type "${finding.typeId}"`);
  const defaultRisk = draft.instanceRisk ?? type.defaultRisk;
  const { family } = finding;
  const { risk } = classify(type.id, defaultRisk, family, classification);
  const evidence = draft.evidence ?? finding.evidence;
  const remediation = finding.remediation ?? renderRemediation(type.remediation, finding.params);
  // Two literals rather than a conditional spread: same keys in the same order, no object copy.
  if (family === undefined)
    return {
      key,
      typeId: type.id,
      class: type.class,
      risk,
      defaultRisk,
      title: type.title,
      summary: finding.summary,
      attack: type.attack,
      evidence,
      remediation,
    };
  return {
    key,
    typeId: type.id,
    class: type.class,
    risk,
    defaultRisk,
    title: type.title,
    summary: finding.summary,
    family,
    attack: type.attack,
    evidence,
    remediation,
  };
}

/** Adds a finding to the drafts, merging evidence (and keeping the higher instance risk) on a repeated key. */
function addFinding(drafts: Map<string, Draft>, finding: Finding): void {
  const key = finding.subject === undefined ? finding.typeId : `${finding.typeId}:${finding.subject}`;
  const existing = drafts.get(key);
  if (existing === undefined) {
    drafts.set(key, { finding, instanceRisk: finding.risk, evidence: undefined });
    return;
  }
  existing.evidence = [...(existing.evidence ?? existing.finding.evidence), ...finding.evidence];
  if (finding.risk !== undefined) {
    const current = existing.instanceRisk;
    if (current === undefined || threatRiskRank(finding.risk) > threatRiskRank(current))
      existing.instanceRisk = finding.risk;
  }
}

/** Runs each detector and adds its findings (most detectors find nothing: no iterator then). */
function addFindings(drafts: Map<string, Draft>, detectors: readonly Detector[], ctx: DetectorContext): void {
  for (let d = 0; d < detectors.length; d++) {
    const detector = detectors[d];
    if (detector === undefined) continue;
    const findings = detector(ctx);
    for (let i = 0; i < findings.length; i++) {
      const finding = findings[i];
      if (finding !== undefined) addFinding(drafts, finding);
    }
  }
}

function byRiskThenKey(a: Detection, b: Detection): number {
  const rank = threatRiskRank(b.risk) - threatRiskRank(a.risk);
  if (rank !== 0) return rank;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Assesses one snapshot: runs every detector, turns findings into detections (catalog + tenant
 * classification), deduplicates them by key `<typeId>:<subject>` and rates the device.
 * Pure and deterministic: same inputs, same output. Throws only on a detector bug (unknown type id).
 */
export function assess(
  snapshot: Snapshot,
  intel: IntelLookup,
  classification: Classification,
  options: AssessOptions,
): Assessment {
  const ctx: DetectorContext = { snapshot, intel, now: options.now, settings: settingsFor(options.settings) };
  const drafts = new Map<string, Draft>();
  addFindings(drafts, BUILT_IN_DETECTORS, ctx);
  if (options.extraDetectors !== undefined) addFindings(drafts, options.extraDetectors, ctx);
  const detections: Detection[] = [];
  for (const [key, draft] of drafts) detections.push(toDetection(key, draft, classification));
  detections.sort(byRiskThenKey);
  return {
    detections,
    riskLevel: riskLevelOf(detections),
    explanation: explainRisk(detections, classification),
  };
}
