import { type IntelFormat, IntelParseError, type ParsedFeed, parseIntelFile } from '@riskgate/engine';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import { announceChange, INTEL_SCOPE } from '../cluster/cluster-scopes.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  deleteIntelFeed,
  findIntelFeed,
  type IntelFeedSummaryRow,
  listIntelFeedContentsByIds,
  listIntelFeeds,
  upsertIntelFeed,
} from '../queries/intel-feeds.ts';
import { deleteIntelUpstream } from '../queries/intel-upstreams.ts';
import { type ReassessResult, reassessForNewIntel } from './intel-reassess.ts';
import { SERVER_SCOPE } from './intel-registry.ts';
import { retractRemovedIntel } from './intel-retract.ts';
import { type IntelFileReport, reportOfFeed, writeupWithoutIndicators } from './load-files.ts';
import { parseStoredFeed, type StoredIntel } from './stored-intel.ts';

/** Record counts of a parsed feed, as stored and returned. */
export interface FeedCounts {
  readonly indicators: number;
  readonly kev: number;
  readonly androidVulnerabilities: number;
  readonly iosReleases: number;
  readonly eolCycles: number;
  readonly osPointReleases: number;
  readonly deviceModels: number;
  readonly skippedEntries: number;
}

/** A stored feed as the admin API shows it (never its content). */
export interface IntelFeedView {
  readonly id: string;
  readonly name: string;
  readonly format: string;
  readonly version: string | null;
  readonly digest: string | null;
  readonly counts: FeedCounts;
  readonly importedAt: string;
  /** `server`: imported with `riskgate intel import`, used by every tenant. */
  readonly scope: 'tenant' | 'server';
}

/** The counts of a parsed feed. */
export function countsOf(feed: ParsedFeed): FeedCounts {
  return {
    indicators: feed.indicators.length,
    kev: feed.kev.length,
    androidVulnerabilities: feed.androidVulnerabilities.length,
    iosReleases: feed.iosReleases.length,
    eolCycles: feed.eolCycles.length,
    osPointReleases: feed.osPointReleases.length,
    deviceModels: feed.deviceModels.length,
    skippedEntries: feed.skipped.length,
  };
}

function toView(row: IntelFeedSummaryRow): IntelFeedView {
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    version: row.version,
    digest: row.digest,
    counts: JSON.parse(row.counts) as FeedCounts,
    importedAt: row.imported_at,
    scope: row.tenant_id === SERVER_SCOPE ? 'server' : 'tenant',
  };
}

/** Records of a feed that are not indicators (vulnerabilities, releases, end-of-life data). */
function osRecords(feed: ParsedFeed): number {
  const counts = countsOf(feed);
  return (
    counts.kev +
    counts.androidVulnerabilities +
    counts.iosReleases +
    counts.eolCycles +
    counts.osPointReleases +
    counts.deviceModels
  );
}

/** Stores a parsed feed in a scope (replacing one of the same name); returns its id. */
export async function storeFeed(
  db: Db['db'],
  scope: string,
  name: string,
  feed: ParsedFeed,
  content: string,
  at: string,
  path: string | null = null,
): Promise<string> {
  return upsertIntelFeed(db, {
    tenant_id: scope,
    id: newId('fee'),
    name,
    format: feed.format,
    version: feed.version ?? null,
    digest: feed.digest ?? null,
    counts: JSON.stringify(countsOf(feed)),
    imported_at: at,
    content,
    path,
    parse_context: feed.context === undefined ? null : JSON.stringify(feed.context),
  });
}

/** Intel feeds uploaded through the admin API (per tenant). */
export type IntelFeedService = ReturnType<typeof createIntelFeedService>;

/**
 * Creates the intel feed service over the stored intel report ingestion also reads. Every change
 * raises the `intel` cluster version in its transaction (so every node reloads) and this node
 * reloads before answering.
 */
export function createIntelFeedService(
  ctx: Pick<ServiceContext, 'db' | 'now' | 'logger' | 'devicesChanged'>,
  intel: StoredIntel,
) {
  const { db, dialect } = ctx.db;

  return {
    async listFeeds(principal: Principal): Promise<{ items: IntelFeedView[] }> {
      requirePermission(principal, 'intel:read');
      return { items: (await listIntelFeeds(db, [principal.tenantId, SERVER_SCOPE])).map(toView) };
    },

    /**
     * Parses an uploaded feed with the engine parsers, stores it (replacing one of the same
     * name), rebuilds the tenant's index, and re-assesses the tenant's devices when it holds
     * indicators. Parse errors are `invalid_request` naming the line. The reply carries the file's
     * check report (format detected, family, indicators by kind, skipped entries with reasons).
     */
    async uploadFeed(
      principal: Principal,
      input: { readonly name: string; readonly content: string; readonly format?: IntelFormat },
    ): Promise<{ feed: IntelFeedView; report: IntelFileReport; reassessment: ReassessResult | null }> {
      requirePermission(principal, 'intel:write');
      let feed: ParsedFeed;
      try {
        feed = parseIntelFile(
          input.content,
          input.name,
          input.format !== undefined ? { format: input.format } : {},
        );
      } catch (error) {
        if (error instanceof IntelParseError) throw errors.invalid(error.message);
        throw error;
      }
      // A write-up that yields nothing is refused with what it rejected, rather than stored empty.
      if (feed.format === 'ioc-text' && feed.indicators.length === 0)
        throw errors.invalid(`${input.name}: ${writeupWithoutIndicators(feed)}`);
      const at = ctx.now().toISOString();
      const id = await db.transaction().execute(async (trx) => {
        const stored = await storeFeed(trx, principal.tenantId, input.name, feed, input.content, at);
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'intel-feed.upload',
          target: stored,
          details: {
            name: input.name,
            format: feed.format,
            digest: feed.digest ?? null,
            counts: countsOf(feed),
          },
          at,
        });
        await announceChange(trx, dialect, INTEL_SCOPE);
        return stored;
      });
      await intel.reload();
      const reassessment =
        feed.indicators.length > 0
          ? await reassessForNewIntel(ctx, {
              tenantId: principal.tenantId,
              newFeeds: [feed],
              lookup: intel.lookup(principal.tenantId),
              actor: actorOf(principal),
            })
          : null;
      const row = await findIntelFeed(db, principal.tenantId, id);
      if (row === undefined) throw errors.notFound('intel feed');
      // The same per-file report `riskgate intel check` prints: format, family, kinds, skipped entries.
      return { feed: toView(row), report: reportOfFeed(input.name, feed), reassessment };
    },

    /**
     * Deletes one of the tenant's feeds, rebuilds its index, and at once resolves the threats only
     * that feed's indicators supported, re-rating those devices (cause `intel`, trigger
     * `intel-feed.delete`; see `retractRemovedIntel`).
     */
    async deleteFeed(principal: Principal, id: string): Promise<IntelFeedView> {
      requirePermission(principal, 'intel:write');
      const at = ctx.now().toISOString();
      const { row, content } = await db.transaction().execute(async (trx) => {
        const found = await findIntelFeed(trx, principal.tenantId, id);
        if (found === undefined) throw errors.notFound('intel feed');
        const [stored] = await listIntelFeedContentsByIds(trx, [id]);
        await deleteIntelFeed(trx, principal.tenantId, id);
        // Its upstream goes with it (nothing left to fetch into).
        await deleteIntelUpstream(trx, principal.tenantId, id);
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'intel-feed.delete',
          target: id,
          details: { name: found.name },
          at,
        });
        await announceChange(trx, dialect, INTEL_SCOPE);
        return { row: found, content: stored?.content };
      });
      await intel.reload();
      const removed = parseStoredFeed(row, content ?? null, ctx.logger);
      if (removed !== undefined && removed.indicators.length + osRecords(removed) > 0)
        await retractRemovedIntel(ctx, {
          tenantId: principal.tenantId,
          removedFeeds: [removed],
          lookup: intel.lookup(principal.tenantId),
          actor: actorOf(principal),
          trigger: 'intel-feed.delete',
        });
      return toView(row);
    },
  };
}
