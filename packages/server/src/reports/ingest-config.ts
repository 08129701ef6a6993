import {
  type Classification,
  type CompliancePolicy,
  CompliancePolicySchema,
  RESOLVED_DEFAULT_SETTINGS,
  type ResolvedAssessSettings,
  resolveAssessSettings,
  type ThreatRisk,
} from '@riskgate/engine';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { type IngestConfigRow, listIngestConfigRows } from '../queries/ingest-config.ts';
import { assessSettingsOf, DETECTION_KEY, parseDetectionSettings } from '../settings/detection-settings.ts';
import { PRIVACY_KEY } from '../settings/settings-service.ts';
import { DEFAULT_PRIVACY, type PrivacySettings } from './privacy.ts';

/** What one report's ingestion needs of its tenant's configuration. */
export interface IngestConfig {
  /** Threat-type and malware-family risk overrides. */
  readonly classification: Classification;
  /** Compliance policies that match the schema, oldest first (invalid documents skipped). */
  readonly policies: readonly CompliancePolicy[];
  readonly privacy: PrivacySettings;
  /**
   * The tenant's detection settings for `assess` (known Wi-Fi networks), resolved once per stored
   * text by the reader (the engine keeps no memo of its own).
   */
  readonly assessSettings: ResolvedAssessSettings;
}

/** The settings keys ingestion reads: privacy and detection. */
export const INGEST_SETTING_KEYS = [PRIVACY_KEY, DETECTION_KEY] as const;

/** Reads a tenant's ingest configuration (one query per call). */
export type IngestConfigReader = (db: Kysely<Database>, tenantId: string) => Promise<IngestConfig>;

const RISKS: ReadonlySet<string> = new Set(['none', 'low', 'medium', 'high']);
/** Most distinct documents remembered per memo; past it the memo starts over. */
const MEMO_LIMIT = 10_000;

/** Builds the classification from override rows (`family:<name>` keys are malware families). */
export function classificationOf(overrides: readonly IngestConfigRow[]): Classification {
  const byType: Record<string, ThreatRisk> = {};
  const byFamily: Record<string, ThreatRisk> = {};
  for (const { key, value } of overrides) {
    if (!RISKS.has(value)) continue;
    if (key.startsWith('family:')) byFamily[key.slice('family:'.length).toLowerCase()] = value as ThreatRisk;
    else byType[key] = value as ThreatRisk;
  }
  return { byType, byFamily };
}

function memo<T>(build: (text: string) => T): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    const found = known.get(text);
    if (found !== undefined || known.has(text)) return found as T;
    const value = build(text);
    if (known.size >= MEMO_LIMIT) known.clear();
    known.set(text, value);
    return value;
  };
}

/**
 * Creates the reader. The configuration is read from the database on every call (so admin changes,
 * on any node, apply to the next report without invalidation); only the work of turning the stored
 * text into values (parsing and schema-checking policy documents, building the classification) is
 * remembered, keyed by that exact text. Returned values are shared: callers must not mutate them.
 */
export function createIngestConfigReader(): IngestConfigReader {
  const build = createIngestConfigBuilder();
  return async (db, tenantId) => build(await listIngestConfigRows(db, tenantId, INGEST_SETTING_KEYS));
}

/**
 * Turns a tenant's ingest configuration rows (as `listIngestConfigRows` reads them, with the
 * privacy setting) into values, remembering the parsing by text as {@link createIngestConfigReader}.
 */
export function createIngestConfigBuilder(): (rows: readonly IngestConfigRow[]) => IngestConfig {
  const policyOf = memo((doc): CompliancePolicy | null => {
    const value: unknown = JSON.parse(doc);
    return Value.Check(CompliancePolicySchema, value) ? value : null;
  });
  const classificationOfText = memo((text) => classificationOf(JSON.parse(text) as IngestConfigRow[]));
  const assessSettingsOfText = memo((text) =>
    resolveAssessSettings(assessSettingsOf(parseDetectionSettings(text))),
  );
  const privacyOf = memo(
    (text): PrivacySettings => ({ ...DEFAULT_PRIVACY, ...(JSON.parse(text) as Partial<PrivacySettings>) }),
  );
  return (rows) => {
    const overrides = rows.filter((row) => row.kind === 'o');
    const policies: CompliancePolicy[] = [];
    let privacy = DEFAULT_PRIVACY;
    let assessSettings = RESOLVED_DEFAULT_SETTINGS;
    for (const row of rows) {
      if (row.kind === 'p') {
        const policy = policyOf(row.value);
        if (policy !== null) policies.push(policy);
      } else if (row.kind === 's' && row.key === PRIVACY_KEY) {
        privacy = privacyOf(row.value);
      } else if (row.kind === 's' && row.key === DETECTION_KEY) {
        assessSettings = assessSettingsOfText(row.value);
      }
    }
    return {
      classification:
        overrides.length === 0 ? EMPTY_CLASSIFICATION : classificationOfText(JSON.stringify(overrides)),
      policies,
      privacy,
      assessSettings,
    };
  };
}

const EMPTY_CLASSIFICATION: Classification = Object.freeze({ byType: {}, byFamily: {} });
