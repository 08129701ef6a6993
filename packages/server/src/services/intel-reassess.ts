import {
  assess,
  buildIntelIndex,
  type Classification,
  type Detection,
  type IndicatorKind,
  type IntelLookup,
  type ParsedFeed,
  type Snapshot,
  type ThreatRisk,
} from '@riskgate/engine';
import type { Db } from '../db/database.ts';
import { newId } from '../ids.ts';
import { listDevicesWithSnapshots } from '../queries/device-rating.ts';
import { insertThreat, listThreatTypeOverrides } from '../queries/threats.ts';
import { appendAudit } from './audit-service.ts';
import type { ServiceContext } from './context.ts';
import { rerateDevices } from './device-rating.ts';
import { FAMILY_KEY_PREFIX } from './threat-type-service.ts';

const RISKS: ReadonlySet<string> = new Set(['none', 'low', 'medium', 'high']);
const PAGE = 500;

/** The tenant's classification from its stored overrides (types, and families under `family:`). */
export async function classificationOf(db: Db['db'], tenantId: string): Promise<Classification> {
  const byType: Record<string, ThreatRisk> = {};
  const byFamily: Record<string, ThreatRisk> = {};
  for (const [key, risk] of Object.entries(await listThreatTypeOverrides(db, tenantId))) {
    if (!RISKS.has(risk)) continue;
    if (key.startsWith(FAMILY_KEY_PREFIX)) byFamily[key.slice(FAMILY_KEY_PREFIX.length)] = risk as ThreatRisk;
    else byType[key] = risk as ThreatRisk;
  }
  return { byType, byFamily };
}

/** What a re-assessment did. */
export interface ReassessResult {
  readonly devicesExamined: number;
  readonly devicesWithNewThreats: number;
  readonly threatsCreated: number;
  readonly devicesChanged: number;
}

/**
 * After feeds were added, re-assesses the tenant's devices from their stored snapshots so that a
 * device holding a newly listed app becomes risky without reporting again. Cheap first pass: each
 * snapshot is assessed against an index of the NEW feeds only, and only devices where that finds a
 * threat key the device does not have yet are assessed again with the full intel; their new
 * threats are inserted and the devices re-rated (level, labels, compliance, history, outbox),
 * one transaction and one audit entry per page of 500 devices. Threats are only added, never
 * resolved here: the next report decides that. Personal devices' snapshots are stored redacted,
 * so an app they had that was not listed then cannot be found now (by design).
 */
export async function reassessForNewIntel(
  deps: Pick<ServiceContext, 'db' | 'now' | 'logger' | 'devicesChanged'>,
  params: {
    readonly tenantId: string;
    readonly newFeeds: readonly ParsedFeed[];
    readonly lookup: IntelLookup;
    readonly actor: string;
  },
): Promise<ReassessResult> {
  const { db, dialect } = deps.db;
  const { tenantId } = params;
  const now = deps.now();
  const at = now.toISOString();
  const newIndex = buildIntelIndex(params.newFeeds);
  const needles = textNeedlesOf(params.newFeeds);
  const classification = await classificationOf(db, tenantId);
  let examined = 0;
  let withNew = 0;
  let created = 0;
  let changed = 0;
  let after: string | undefined;
  for (;;) {
    const page = await listDevicesWithSnapshots(db, tenantId, {
      limit: PAGE,
      ...(after !== undefined ? { after } : {}),
    });
    if (page.length === 0) break;
    after = page.at(-1)?.id;
    examined += page.length;
    const stored = await db
      .selectFrom('threats')
      .select(['device_id', 'key'])
      .where('tenant_id', '=', tenantId)
      .where(
        'device_id',
        'in',
        page.map((row) => row.id),
      )
      .execute();
    const keys = new Set(stored.map((row) => `${row.device_id} ${row.key}`));
    const additions: { deviceId: string; detections: Detection[] }[] = [];
    for (const row of page) {
      if (row.snapshot === null) continue;
      if (needles !== undefined && !mayHoldAny(row.snapshot, needles)) continue;
      const snapshot = JSON.parse(row.snapshot) as Snapshot;
      const quick = assess(snapshot, newIndex, classification, { now });
      if (!quick.detections.some((d) => !keys.has(`${row.id} ${d.key}`))) continue;
      const full = assess(snapshot, params.lookup, classification, { now });
      const fresh = full.detections.filter((d) => !keys.has(`${row.id} ${d.key}`));
      if (fresh.length > 0) additions.push({ deviceId: row.id, detections: fresh });
    }
    if (additions.length > 0) {
      const result = await db.transaction().execute(async (trx) => {
        for (const { deviceId, detections } of additions)
          for (const detection of detections)
            await insertThreat(trx, {
              tenant_id: tenantId,
              id: newId('thr'),
              device_id: deviceId,
              key: detection.key,
              type_id: detection.typeId,
              class: detection.class,
              risk: detection.risk,
              state: 'active',
              title: detection.title,
              summary: detection.summary,
              evidence: JSON.stringify(detection.evidence),
              attack: JSON.stringify(detection.attack),
              family: detection.family ?? null,
              remediation: JSON.stringify(detection.remediation),
              first_seen: at,
              last_seen: at,
              resolved_at: null,
            });
        const rerated = await rerateDevices(trx, {
          tenantId,
          scope: { kind: 'ids', ids: additions.map((a) => a.deviceId) },
          at: now,
          reason: 'intel.reassess',
        });
        const threats = additions.reduce((sum, a) => sum + a.detections.length, 0);
        await appendAudit(trx, dialect, {
          tenantId,
          actor: params.actor,
          action: 'intel.reassess',
          details: {
            devices: additions.map((a) => a.deviceId),
            threatsCreated: threats,
            devicesChanged: rerated.changed.length,
          },
          at,
        });
        return { threats, changed: rerated.changed.map((c) => c.deviceId) };
      });
      await deps.devicesChanged?.(tenantId, result.changed); // after commit
      withNew += additions.length;
      created += result.threats;
      changed += result.changed.length;
    }
    deps.logger.info({ tenantId, examined, devicesWithNewThreats: withNew }, 'intel re-assessment progress');
  }
  return {
    devicesExamined: examined,
    devicesWithNewThreats: withNew,
    threatsCreated: created,
    devicesChanged: changed,
  };
}

/** Indicator kinds whose normalised value appears verbatim (ignoring case) in a snapshot that holds it. */
const VERBATIM_KINDS: ReadonlySet<IndicatorKind> = new Set([
  'app-id',
  'cert-sha1',
  'cert-sha256',
  'file-sha256',
  'domain',
  'url',
  'process',
  'profile-id',
]);

/** Above this many values a text search per snapshot costs more than parsing it. */
const MAX_NEEDLES = 64;

/**
 * The lower-cased indicator values a stored snapshot must contain as text to possibly match the
 * new feeds, or `undefined` when no such cheap pre-filter is sound: feeds that carry vulnerability
 * or end-of-life data, indicators whose text form may differ on the device (IP addresses), or too
 * many values. A host under a listed domain contains the domain, so parent matches pass the filter.
 */
export function textNeedlesOf(feeds: readonly ParsedFeed[]): readonly string[] | undefined {
  const needles: string[] = [];
  for (const feed of feeds) {
    const osData =
      feed.kev.length +
      feed.androidVulnerabilities.length +
      feed.iosReleases.length +
      feed.eolCycles.length +
      feed.osPointReleases.length +
      feed.deviceModels.length;
    if (osData > 0) return undefined;
    for (const indicator of feed.indicators) {
      if (!VERBATIM_KINDS.has(indicator.kind)) return undefined;
      needles.push(indicator.value.toLowerCase());
    }
  }
  return needles.length <= MAX_NEEDLES ? needles : undefined;
}

/**
 * Whether a stored snapshot's JSON text may hold one of the needles. Text with non-ASCII
 * characters (an IDN host stored in Unicode) always passes: its punycode form is not in the text.
 */
export function mayHoldAny(snapshotText: string, needles: readonly string[]): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is "anything not ASCII"
  if (/[^\u0000-\u007f]/.test(snapshotText)) return true;
  const text = snapshotText.toLowerCase();
  return needles.some((needle) => text.includes(needle));
}
