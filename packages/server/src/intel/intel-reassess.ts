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
import { appendAudit } from '../audit/audit-service.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { rerateDevices } from '../device-state/rerate.ts';
import { newId } from '../ids.ts';
import {
  countLiveDevices,
  listDeviceIdsWithSnapshotText,
  listDevicesWithSnapshots,
} from '../queries/device-rating.ts';
import { insertThreats } from '../queries/threat-batches.ts';
import { listThreatTypeOverrides } from '../queries/threats.ts';
import { FAMILY_KEY_PREFIX } from '../threats/threat-type-service.ts';

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
  /**
   * The tenant's live devices the re-assessment covered: each was either ruled out by the text
   * search over stored snapshots in SQL (its snapshot cannot hold a new indicator), or read and
   * assessed. Devices without a stored snapshot are counted but have nothing to assess.
   */
  readonly devicesExamined: number;
  /** Stored snapshots read, parsed and assessed against the new feeds (not part of the API reply). */
  readonly snapshotsAssessed: number;
  readonly devicesWithNewThreats: number;
  readonly threatsCreated: number;
  readonly devicesChanged: number;
}

type ReassessDeps = Pick<ServiceContext, 'db' | 'now' | 'logger' | 'devicesChanged'>;

interface ReassessParams {
  readonly tenantId: string;
  readonly newFeeds: readonly ParsedFeed[];
  readonly lookup: IntelLookup;
  readonly actor: string;
}

/** Running totals of one re-assessment. */
interface Totals {
  examined: number;
  assessed: number;
  withNew: number;
  created: number;
  changed: number;
}

/**
 * After feeds were added, re-assesses the tenant's devices from their stored snapshots so that a
 * device holding a newly listed app becomes risky without reporting again. When the new feeds
 * allow a text pre-filter ({@link textNeedlesOf}), one SQL pass over the stored snapshot texts
 * selects the candidates (text holding a new value, or non-ASCII text) and only those are read;
 * otherwise every stored snapshot is read in pages. Cheap first pass: each snapshot is assessed
 * against an index of the NEW feeds only, and only devices where that finds a threat key the
 * device does not have yet are assessed again with the full intel; their new threats are inserted
 * and the devices re-rated (level, labels, compliance, history, outbox), one transaction and one
 * audit entry per page of 500 devices. Threats are only added, never resolved here: the next
 * report decides that. Personal devices' snapshots are stored redacted, so an app they had that
 * was not listed then cannot be found now (by design).
 */
export async function reassessForNewIntel(
  deps: ReassessDeps,
  params: ReassessParams,
): Promise<ReassessResult> {
  const { db, dialect } = deps.db;
  const { tenantId } = params;
  const needles = textNeedlesOf(params.newFeeds);
  const page = pageReassessor(deps, params, await classificationOf(db, tenantId));
  const totals: Totals = { examined: 0, assessed: 0, withNew: 0, created: 0, changed: 0 };
  if (needles !== undefined) {
    // Count first: a device enrolled during the search is then not counted without being searched.
    totals.examined = await countLiveDevices(db, tenantId);
    const ids = await listDeviceIdsWithSnapshotText(db, dialect, tenantId, needles);
    for (let start = 0; start < ids.length; start += PAGE) {
      const chunk = ids.slice(start, start + PAGE);
      const rows = await listDevicesWithSnapshots(db, tenantId, { ids: chunk, limit: chunk.length });
      await page(rows, needles, totals);
    }
  } else {
    let after: string | undefined;
    for (;;) {
      const rows = await listDevicesWithSnapshots(db, tenantId, {
        limit: PAGE,
        ...(after !== undefined ? { after } : {}),
      });
      if (rows.length === 0) break;
      after = rows.at(-1)?.id;
      totals.examined += rows.length;
      await page(rows, undefined, totals);
    }
  }
  deps.logger.info({ tenantId, ...totals }, 'intel re-assessment done');
  return {
    devicesExamined: totals.examined,
    snapshotsAssessed: totals.assessed,
    devicesWithNewThreats: totals.withNew,
    threatsCreated: totals.created,
    devicesChanged: totals.changed,
  };
}

/** Assesses one page of devices (with their stored snapshots) and stores what is new, in one transaction. */
function pageReassessor(deps: ReassessDeps, params: ReassessParams, classification: Classification) {
  const { db, dialect } = deps.db;
  const { tenantId } = params;
  const now = deps.now();
  const at = now.toISOString();
  const newIndex = buildIntelIndex(params.newFeeds);
  return async (
    page: readonly { readonly id: string; readonly snapshot: string | null }[],
    needles: readonly string[] | undefined,
    totals: Totals,
  ): Promise<void> => {
    if (page.length === 0) return;
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
      totals.assessed++;
      const snapshot = JSON.parse(row.snapshot) as Snapshot;
      const quick = assess(snapshot, newIndex, classification, { now });
      if (!quick.detections.some((d) => !keys.has(`${row.id} ${d.key}`))) continue;
      const full = assess(snapshot, params.lookup, classification, { now });
      const fresh = full.detections.filter((d) => !keys.has(`${row.id} ${d.key}`));
      if (fresh.length > 0) additions.push({ deviceId: row.id, detections: fresh });
    }
    if (additions.length > 0) {
      const result = await db.transaction().execute(async (trx) => {
        await insertThreats(
          trx,
          additions.flatMap(({ deviceId, detections }) =>
            detections.map((detection) => ({
              tenant_id: tenantId,
              id: newId('thr'),
              device_id: deviceId,
              key: detection.key,
              type_id: detection.typeId,
              class: detection.class,
              risk: detection.risk,
              default_risk: detection.defaultRisk,
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
            })),
          ),
        );
        const rerated = await rerateDevices(trx, {
          tenantId,
          scope: { kind: 'ids', ids: additions.map((a) => a.deviceId) },
          at: now,
          cause: 'intel',
          trigger: 'intel.reassess',
          threats: new Map(
            additions.map((a) => [a.deviceId, { opened: a.detections.map((d) => d.key), resolved: [] }]),
          ),
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
        return { threats, changed: rerated.changed.map((c) => c.deviceId), written: rerated.written };
      });
      await deps.devicesChanged?.(tenantId, result.written); // after commit
      totals.withNew += additions.length;
      totals.created += result.threats;
      totals.changed += result.changed.length;
    }
    deps.logger.info(
      { tenantId, examined: totals.examined, devicesWithNewThreats: totals.withNew },
      'intel re-assessment progress',
    );
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
 * Defanging marks the domain lookup undoes in an observed host (`evil[.]example` matches
 * `evil.example`): a snapshot holding one may match a listed domain without holding its text.
 */
const REFANG_MARKS: readonly string[] = ['[.]', '(.)', '{.}', '[dot]', '(dot)'];

/**
 * The lower-cased texts a stored snapshot's JSON must contain to possibly match the new feeds, or
 * `undefined` when no such cheap pre-filter is sound: feeds that carry vulnerability or
 * end-of-life data, indicators whose text form may differ on the device (IP addresses), or too
 * many values. Each value is given as it appears inside a JSON string (`"` and `\` escaped), since
 * snapshots are stored as `JSON.stringify` text. A host under a listed domain contains the
 * domain, so parent matches pass the filter; with domains, defanging marks are needles too.
 */
export function textNeedlesOf(feeds: readonly ParsedFeed[]): readonly string[] | undefined {
  const needles = new Set<string>();
  let domains = false;
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
      if (indicator.kind === 'domain') domains = true;
      needles.add(JSON.stringify(indicator.value.toLowerCase()).slice(1, -1));
    }
  }
  if (needles.size > MAX_NEEDLES) return undefined;
  if (domains) for (const mark of REFANG_MARKS) needles.add(mark);
  return [...needles];
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
