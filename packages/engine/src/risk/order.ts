/**
 * The one definition of the risk vocabulary's order and the MTD risk labels: the engine, the
 * server, the agent and the console import these (the console through the dependency-free
 * `@riskgate/engine/risk-order` entry, so its bundle does not pull in the engine's parsers).
 * Nothing here imports a value, so the module stays safe for a browser bundle.
 */
import type { RiskLevel, ThreatRisk } from '../types.ts';

/** Device risk levels, lowest first: the index is the level's rank. */
export const RISK_LEVELS = ['secured', 'low', 'medium', 'high'] as const satisfies readonly RiskLevel[];

/** Threat risks, lowest first: the index is the risk's rank, and equals the level it raises a device to. */
export const THREAT_RISKS = ['none', 'low', 'medium', 'high'] as const satisfies readonly ThreatRisk[];

const LEVEL_RANK: Readonly<Record<RiskLevel, number>> = { secured: 0, low: 1, medium: 2, high: 3 };
const THREAT_RANK: Readonly<Record<ThreatRisk, number>> = { none: 0, low: 1, medium: 2, high: 3 };

/** Numeric rank of a device risk level (`secured` 0 … `high` 3), for "at most" comparisons. */
export function riskRank(level: RiskLevel): number {
  return LEVEL_RANK[level];
}

/** Numeric rank of a threat risk (`none` 0 … `high` 3). */
export function threatRiskRank(risk: ThreatRisk): number {
  return THREAT_RANK[risk];
}

/** True when `level` is at or under `max` (e.g. `low` is at most `medium`). */
export function isRiskAtMost(level: RiskLevel, max: RiskLevel): boolean {
  return LEVEL_RANK[level] <= LEVEL_RANK[max];
}

/**
 * The level of a rank as SQL or a bit field computes it. Anything but 0, 1 or 2 is `high`: only a bug
 * could give another number, and then the higher level is the safe side (it never reads as secured).
 */
export function riskLevelOfRank(rank: number): RiskLevel {
  return rank === 0 || rank === 1 || rank === 2 ? RISK_LEVELS[rank] : 'high';
}

/** A stored or received text as a risk level, or `undefined` when it is not one. */
export function parseRiskLevel(value: string): RiskLevel | undefined {
  return Object.hasOwn(LEVEL_RANK, value) ? (value as RiskLevel) : undefined;
}

/** A stored or received text as a threat risk, or `undefined` when it is not one. */
export function parseThreatRisk(value: string): ThreatRisk | undefined {
  return Object.hasOwn(THREAT_RANK, value) ? (value as ThreatRisk) : undefined;
}

/** The MTD risk label other systems (UEM) act on, per level; a secured device carries none. */
export const RISK_LABELS: Readonly<Record<RiskLevel, string | undefined>> = {
  secured: undefined,
  low: 'MTD - Low Risk',
  medium: 'MTD - Moderate Risk',
  high: 'MTD - High Risk',
};

const MANAGED_LABELS: ReadonlySet<string> = new Set(
  Object.values(RISK_LABELS).filter((label) => label !== undefined),
);

/** The device's labels for a risk level: other labels are kept in order, the MTD risk label is replaced. */
export function labelsFor(current: readonly string[], level: RiskLevel): string[] {
  const kept = current.filter((label) => !MANAGED_LABELS.has(label));
  const label = RISK_LABELS[level];
  return label === undefined ? kept : [...kept, label];
}
