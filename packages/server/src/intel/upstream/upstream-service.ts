import { randomUUID } from 'node:crypto';
import {
  type IntelFormat,
  IntelParseError,
  PARSERS,
  type ParsedFeed,
  parseIntelFile,
} from '@riskgate/engine';
import { appendAudit } from '../../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../../auth/principal.ts';
import { announceChange, INTEL_SCOPE } from '../../cluster/cluster-scopes.ts';
import type { ServiceContext } from '../../context.ts';
import type { IntelFeedUpstreamsTable } from '../../db/types.ts';
import { errors } from '../../errors.ts';
import { newId } from '../../ids.ts';
import {
  findIntelFeed,
  type IntelFeedSummaryRow,
  listIntelFeedContentsByIds,
  upsertIntelFeed,
} from '../../queries/intel-feeds.ts';
import {
  deleteIntelUpstream,
  findIntelUpstream,
  type IntelUpstreamRow,
  listDueIntelUpstreams,
  listIntelUpstreams,
  takeIntelUpstreamLease,
  updateIntelUpstream,
  upsertIntelUpstream,
} from '../../queries/intel-upstreams.ts';
import { listTenants } from '../../queries/tenants.ts';
import { countsOf, storeFeed } from '../intel-feed-service.ts';
import { type ReassessResult, reassessForNewIntel } from '../intel-reassess.ts';
import { SERVER_SCOPE } from '../intel-registry.ts';
import { retractRemovedIntel } from '../intel-retract.ts';
import type { StoredIntel } from '../stored-intel.ts';
import { allowListOf, UpstreamFetchError } from './http-get.ts';
import { type PullRequest, type PullResult, pullFile, pullMispFeed } from './sources.ts';
import { pullTaxiiCollection } from './taxii-client.ts';

export type UpstreamKind = 'file' | 'misp' | 'taxii';

/** Credentials as the admin API takes them (never returned). */
export type UpstreamAuthInput =
  | { readonly type: 'none' }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

/** An upstream as configured through the admin API or the CLI. */
export interface UpstreamInput {
  readonly kind: UpstreamKind;
  readonly url: string;
  readonly format?: IntelFormat;
  readonly collection?: string;
  readonly intervalSeconds?: number;
  readonly maxBytes?: number;
  readonly sha256?: string;
  /** Absent on a change: the credentials held are kept (same origin only; a new origin needs them again). */
  readonly auth?: UpstreamAuthInput;
}

/** A feed's upstream and its health, as the admin API shows it (the secret never). */
export interface UpstreamView {
  readonly feedId: string;
  readonly name: string;
  readonly scope: 'tenant' | 'server';
  readonly kind: UpstreamKind;
  readonly url: string;
  readonly format: string | null;
  readonly collection: string | null;
  readonly intervalSeconds: number;
  readonly maxBytes: number;
  readonly sha256: string | null;
  readonly auth: { readonly type: 'none' | 'basic' | 'bearer'; readonly username: string | null };
  readonly health: {
    readonly lastFetchAt: string | null;
    readonly lastSuccessAt: string | null;
    readonly lastStatus: 'updated' | 'not-modified' | 'error' | null;
    readonly lastError: string | null;
    readonly lastErrorAt: string | null;
    readonly etag: string | null;
    readonly lastModified: string | null;
    readonly cursor: string | null;
    readonly fetches: number;
    readonly failures: number;
    readonly nextFetchAt: string;
    /** Indicators of the version in use (the last good one). */
    readonly indicators: number;
    readonly version: string | null;
    readonly digest: string | null;
  };
}

/** What one fetch did. */
export interface FetchOutcome {
  readonly status: 'updated' | 'not-modified' | 'error' | 'busy';
  readonly error?: string;
  /** Indicators of the version in use after the fetch. */
  readonly indicators: number;
  /** The new indicators the retro-hunt looked for (updated only). */
  readonly newIndicators?: number;
  readonly reassessment?: ReassessResult | null;
}

export interface UpstreamServiceOptions {
  /** How long a fetch may hold the lease before another node may take over (default 10 min). */
  readonly leaseMs?: number;
  /** Per-request deadline (default 30 s). */
  readonly timeoutMs?: number;
  /** Private addresses upstreams may be at (`upstreamAllowPrivate`; default none: refused). */
  readonly allowPrivate?: readonly string[];
  /** Called after every fetch (metrics). */
  readonly onFetch?: (scope: string, name: string, outcome: FetchOutcome) => void;
}

export const UPSTREAM_DEFAULTS = { intervalSeconds: 3600, maxBytes: 64 * 1024 * 1024 } as const;
/** After a failure the next try comes at most this soon after (or at the interval when shorter). */
const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

const secretContext = (scope: string, feedId: string) => `intel-upstream:${scope}:${feedId}`;

/** Checks an upstream configuration beyond its schema; throws `invalid_request` naming the field. */
export function validateUpstream(input: UpstreamInput): void {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw errors.invalid('url: not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.invalid('url: http or https only');
  if (url.username !== '' || url.password !== '')
    throw errors.invalid('url: credentials do not belong in the URL; give them in auth (they are sealed)');
  if (input.kind === 'taxii' && (input.collection === undefined || input.collection === ''))
    throw errors.invalid('collection: required for a TAXII upstream');
  if (input.kind !== 'taxii' && input.collection !== undefined)
    throw errors.invalid('collection: only for a TAXII upstream');
  if (input.kind !== 'file' && input.format !== undefined)
    throw errors.invalid(
      `format: a ${input.kind} upstream is always ${input.kind === 'misp' ? 'misp' : 'stix2'}`,
    );
  if (input.kind !== 'file' && input.sha256 !== undefined)
    throw errors.invalid('sha256: only for a single-file upstream');
  if (input.format !== undefined && !(input.format in PARSERS)) throw errors.invalid('format: unknown');
}

/** The intel feed upstreams: configuration, fetches (now or on schedule), health. */
export type IntelUpstreamService = ReturnType<typeof createIntelUpstreamService>;

/**
 * Creates the upstream service. A fetch takes the feed's lease (one node at a time), pulls the new
 * version (conditional requests, size limit, checksum), parses it fully, then replaces the stored
 * feed, its fetch state and the `intel` cluster version in one transaction (every node reloads);
 * this node reloads and the retro-hunt runs over the indicators that are new. A failed fetch or a
 * version that does not parse keeps the last good version and is recorded on the feed's health.
 */
export function createIntelUpstreamService(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now' | 'logger' | 'devicesChanged'>,
  intel: StoredIntel,
  options: UpstreamServiceOptions = {},
) {
  const { db, dialect } = ctx.db;
  const nodeId = randomUUID();
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const allowPrivate = allowListOf(options.allowPrivate ?? []);

  function toView(row: IntelUpstreamRow, feed: IntelFeedSummaryRow): UpstreamView {
    const counts = JSON.parse(feed.counts) as { indicators?: number };
    return {
      feedId: row.feed_id,
      name: feed.name,
      scope: row.tenant_id === SERVER_SCOPE ? 'server' : 'tenant',
      kind: row.kind as UpstreamKind,
      url: row.url,
      format: row.format,
      collection: row.collection,
      intervalSeconds: row.interval_seconds,
      maxBytes: row.max_bytes,
      sha256: row.sha256,
      auth: { type: row.auth as 'none' | 'basic' | 'bearer', username: row.username },
      health: {
        lastFetchAt: row.last_fetch_at,
        lastSuccessAt: row.last_success_at,
        lastStatus: row.last_status as UpstreamView['health']['lastStatus'],
        lastError: row.last_error,
        lastErrorAt: row.last_error_at,
        etag: row.etag,
        lastModified: row.last_modified,
        cursor: row.cursor,
        fetches: row.fetches,
        failures: row.failures,
        nextFetchAt: row.next_fetch_at,
        indicators: counts.indicators ?? 0,
        version: feed.version,
        digest: feed.digest,
      },
    };
  }

  async function viewOf(scope: string, feedId: string): Promise<UpstreamView> {
    const row = await findIntelUpstream(db, scope, feedId);
    const feed = await findIntelFeed(db, scope, feedId);
    if (row === undefined || feed === undefined) throw errors.notFound('intel feed upstream');
    return toView(row, feed);
  }

  /** The row of an upstream configuration; the secret sealed to this scope and feed. */
  function rowOf(
    scope: string,
    feedId: string,
    input: UpstreamInput,
    held: IntelUpstreamRow | undefined,
    at: string,
  ): IntelFeedUpstreamsTable {
    validateUpstream(input);
    const auth = input.auth;
    // Credentials belong to the origin they were given for: kept across a change of path, never
    // carried to another origin (an admin could otherwise send another admin's secret anywhere).
    if (
      auth === undefined &&
      held !== undefined &&
      held.auth !== 'none' &&
      new URL(held.url).origin !== new URL(input.url).origin
    )
      throw errors.invalid('auth: give the credentials again for a new origin (or auth type none)');
    const sealed =
      auth === undefined
        ? {
            auth: held?.auth ?? 'none',
            username: held?.username ?? null,
            secret_sealed: held?.secret_sealed ?? null,
          }
        : auth.type === 'none'
          ? { auth: 'none', username: null, secret_sealed: null }
          : {
              auth: auth.type,
              username: auth.type === 'basic' ? auth.username : null,
              secret_sealed: ctx.box.seal(
                Buffer.from(auth.type === 'basic' ? auth.password : auth.token, 'utf8'),
                secretContext(scope, feedId),
              ),
            };
    // A new source starts afresh: validators and cursor belong to the URL they came from.
    const sameSource =
      held !== undefined &&
      held.url === input.url &&
      held.kind === input.kind &&
      held.collection === (input.collection ?? null);
    return {
      tenant_id: scope,
      feed_id: feedId,
      kind: input.kind,
      url: input.url,
      format: input.format ?? null,
      collection: input.collection ?? null,
      interval_seconds: input.intervalSeconds ?? UPSTREAM_DEFAULTS.intervalSeconds,
      max_bytes: input.maxBytes ?? UPSTREAM_DEFAULTS.maxBytes,
      sha256: input.sha256?.toLowerCase() ?? null,
      ...sealed,
      etag: sameSource ? held.etag : null,
      last_modified: sameSource ? held.last_modified : null,
      cursor: sameSource ? held.cursor : null,
      last_fetch_at: held?.last_fetch_at ?? null,
      last_success_at: held?.last_success_at ?? null,
      last_status: held?.last_status ?? null,
      last_error: held?.last_error ?? null,
      last_error_at: held?.last_error_at ?? null,
      fetches: held?.fetches ?? 0,
      failures: held?.failures ?? 0,
      // Due at once: a configured upstream is fetched on the scheduler's next round.
      next_fetch_at: at,
      lease_owner: held?.lease_owner ?? null,
      lease_until: held?.lease_until ?? null,
      created_at: held?.created_at ?? at,
      updated_at: at,
    };
  }

  function authorizationOf(row: IntelUpstreamRow): string | undefined {
    if (row.secret_sealed === null || row.auth === 'none') return undefined;
    const secret = ctx.box
      .open(row.secret_sealed, secretContext(row.tenant_id, row.feed_id))
      .toString('utf8');
    if (row.auth === 'bearer') return `Bearer ${secret}`;
    return `Basic ${Buffer.from(`${row.username ?? ''}:${secret}`, 'utf8').toString('base64')}`;
  }

  function pull(row: IntelUpstreamRow, previous: string | null): Promise<PullResult> {
    const authorization = authorizationOf(row);
    const request: PullRequest = {
      kind: row.kind as UpstreamKind,
      url: row.url,
      collection: row.collection,
      maxBytes: row.max_bytes,
      sha256: row.sha256,
      etag: row.etag,
      lastModified: row.last_modified,
      cursor: row.cursor,
      previous,
      ...(authorization !== undefined ? { authorization } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      allowPrivate,
    };
    if (row.kind === 'misp') return pullMispFeed(request);
    if (row.kind === 'taxii') return pullTaxiiCollection(request);
    return pullFile(request);
  }

  /** Records a failed fetch on the feed's health; the stored version stays. */
  async function recordFailure(row: IntelUpstreamRow, message: string, at: Date): Promise<void> {
    const iso = at.toISOString();
    const retry = Math.min(row.interval_seconds * 1000, RETRY_AFTER_FAILURE_MS);
    await updateIntelUpstream(db, row.tenant_id, row.feed_id, {
      last_fetch_at: iso,
      last_status: 'error',
      last_error: message.slice(0, 1000),
      last_error_at: iso,
      fetches: row.fetches + 1,
      failures: row.failures + 1,
      next_fetch_at: new Date(at.getTime() + retry).toISOString(),
      lease_owner: null,
      lease_until: null,
      updated_at: iso,
    });
  }

  /** The indicators of `next` that `previous` did not hold: what the retro-hunt looks for. */
  function newPart(next: ParsedFeed, previous: ParsedFeed | undefined): ParsedFeed {
    if (previous === undefined) return next;
    const held = new Set(previous.indicators.map((i) => `${i.kind}\u0000${i.value}`));
    return { ...next, indicators: next.indicators.filter((i) => !held.has(`${i.kind}\u0000${i.value}`)) };
  }

  /** The indicators `previous` held that `next` dropped (only them: no OS records), for the retraction. */
  function removedPart(next: ParsedFeed, previous: ParsedFeed | undefined): ParsedFeed | undefined {
    if (previous === undefined) return undefined;
    const kept = new Set(next.indicators.map((i) => `${i.kind}\u0000${i.value}`));
    const indicators = previous.indicators.filter((i) => !kept.has(`${i.kind}\u0000${i.value}`));
    if (indicators.length === 0) return undefined;
    return {
      ...previous,
      indicators,
      kev: [],
      androidVulnerabilities: [],
      iosReleases: [],
      eolCycles: [],
      osPointReleases: [],
      deviceModels: [],
    };
  }

  /**
   * Fetches one feed's upstream now. `busy` when another node (or this one) holds the lease.
   * Never throws for upstream trouble: that is an `error` outcome on the feed's health.
   */
  async function fetchFeed(scope: string, feedId: string, actor: string): Promise<FetchOutcome> {
    const started = ctx.now();
    const startedIso = started.toISOString();
    const taken = await takeIntelUpstreamLease(
      db,
      scope,
      feedId,
      nodeId,
      startedIso,
      new Date(started.getTime() + leaseMs).toISOString(),
    );
    const row = await findIntelUpstream(db, scope, feedId);
    const feedRow = await findIntelFeed(db, scope, feedId);
    if (row === undefined || feedRow === undefined) throw errors.notFound('intel feed upstream');
    const heldIndicators = (JSON.parse(feedRow.counts) as { indicators?: number }).indicators ?? 0;
    const report = (outcome: FetchOutcome) => {
      options.onFetch?.(scope, feedRow.name, outcome);
      return outcome;
    };
    if (!taken) return report({ status: 'busy', indicators: heldIndicators });

    const previousContent =
      (await listIntelFeedContentsByIds(db, [feedId])).find((r) => r.id === feedId)?.content ?? null;
    let pulled: PullResult;
    let feed: ParsedFeed | undefined;
    try {
      pulled = await pull(row, previousContent);
      if (pulled.status === 'fetched') {
        feed = parseIntelFile(pulled.content, feedRow.name, {
          ...(pulled.format !== undefined
            ? { format: pulled.format }
            : row.format !== null
              ? { format: row.format as IntelFormat }
              : {}),
        });
        // An emptied upstream (no objects, `{"response":[]}`, an empty manifest) would retract
        // every threat the feed supports (in every tenant for a server-wide feed): not a version.
        if (feed.indicators.length === 0 && heldIndicators > 0)
          throw new UpstreamFetchError('the new version holds no indicators; last good kept');
      }
    } catch (error) {
      if (!(error instanceof UpstreamFetchError) && !(error instanceof IntelParseError)) {
        await recordFailure(row, 'internal error', ctx.now());
        throw error;
      }
      const message =
        error instanceof IntelParseError ? `the new version does not parse: ${error.message}` : error.message;
      ctx.logger.warn(
        { feed: feedRow.name, scope, err: message },
        'intel upstream fetch failed; last good version kept',
      );
      await recordFailure(row, message, ctx.now());
      return report({ status: 'error', error: message, indicators: heldIndicators });
    }

    const at = ctx.now();
    const iso = at.toISOString();
    const next = new Date(at.getTime() + row.interval_seconds * 1000).toISOString();
    if (pulled.status === 'not-modified') {
      await updateIntelUpstream(db, scope, feedId, {
        last_fetch_at: iso,
        last_success_at: iso,
        last_status: 'not-modified',
        fetches: row.fetches + 1,
        next_fetch_at: next,
        lease_owner: null,
        lease_until: null,
        updated_at: iso,
      });
      return report({ status: 'not-modified', indicators: heldIndicators });
    }

    const parsed = feed;
    if (parsed === undefined) throw new Error('unreachable: a fetched version is parsed above');
    const previous = intel.feedsOf(scope).find((f) => f.source === feedRow.name);
    let leaseLost = false;
    try {
      await db.transaction().execute(async (trx) => {
        await storeFeed(trx, scope, feedRow.name, parsed, pulled.content, iso, row.url);
        // Only while this node still holds the lease: else another node took over, and this commit
        // would overwrite its work; roll back.
        const held = await updateIntelUpstream(
          trx,
          scope,
          feedId,
          {
            etag: pulled.etag,
            last_modified: pulled.lastModified,
            cursor: pulled.cursor,
            last_fetch_at: iso,
            last_success_at: iso,
            last_status: 'updated',
            fetches: row.fetches + 1,
            next_fetch_at: next,
            lease_owner: null,
            lease_until: null,
            updated_at: iso,
          },
          nodeId,
        );
        if (held === 0) {
          leaseLost = true;
          throw new UpstreamFetchError('the fetch lease was lost; another node fetches this feed');
        }
        if (scope !== SERVER_SCOPE)
          await appendAudit(trx, dialect, {
            tenantId: scope,
            actor,
            action: 'intel-feed.fetch',
            target: feedId,
            details: {
              name: feedRow.name,
              url: row.url,
              format: parsed.format,
              digest: parsed.digest ?? null,
              counts: countsOf(parsed),
            },
            at: iso,
          });
        await announceChange(trx, dialect, INTEL_SCOPE);
      });
    } catch (error) {
      if (leaseLost) return report({ status: 'busy', indicators: heldIndicators });
      // Storing failed: the last good version stays; the failure is recorded and the lease released.
      await recordFailure(row, 'internal error', ctx.now());
      throw error;
    }
    await intel.reload();
    const fresh = newPart(parsed, previous);
    const dropped = removedPart(parsed, previous);
    const tenants =
      fresh.indicators.length > 0 || dropped !== undefined
        ? scope === SERVER_SCOPE
          ? (await listTenants(db)).map((t) => t.id)
          : [scope]
        : [];
    // Indicators the new version dropped: threats only they supported are resolved at once.
    if (dropped !== undefined)
      for (const tenantId of tenants)
        await retractRemovedIntel(ctx, {
          tenantId,
          removedFeeds: [dropped],
          lookup: intel.lookup(tenantId),
          actor,
          trigger: 'intel-feed.fetch',
        });
    let reassessment: ReassessResult | null = null;
    if (fresh.indicators.length > 0) {
      // A server-wide feed is hunted in every tenant: the outcome sums them (not the last one's).
      for (const tenantId of tenants) {
        const one = await reassessForNewIntel(ctx, {
          tenantId,
          newFeeds: [fresh],
          lookup: intel.lookup(tenantId),
          actor,
        });
        reassessment =
          reassessment === null
            ? one
            : {
                devicesExamined: reassessment.devicesExamined + one.devicesExamined,
                snapshotsAssessed: reassessment.snapshotsAssessed + one.snapshotsAssessed,
                devicesWithNewThreats: reassessment.devicesWithNewThreats + one.devicesWithNewThreats,
                threatsCreated: reassessment.threatsCreated + one.threatsCreated,
                devicesChanged: reassessment.devicesChanged + one.devicesChanged,
              };
      }
    }
    return report({
      status: 'updated',
      indicators: parsed.indicators.length,
      newIndicators: fresh.indicators.length,
      reassessment,
    });
  }

  return {
    /** The upstreams of the caller's tenant and the server-wide ones, with health. */
    async listUpstreams(principal: Principal): Promise<{ items: UpstreamView[] }> {
      requirePermission(principal, 'intel:read');
      const rows = await listIntelUpstreams(db, [principal.tenantId, SERVER_SCOPE]);
      const items: UpstreamView[] = [];
      for (const row of rows) {
        const feed = await findIntelFeed(db, row.tenant_id, row.feed_id);
        if (feed !== undefined) items.push(toView(row, feed));
      }
      return { items };
    },

    /** One feed's upstream and health (tenant feeds, then the server-wide ones). */
    async getUpstream(principal: Principal, feedId: string): Promise<UpstreamView> {
      requirePermission(principal, 'intel:read');
      const own = await findIntelUpstream(db, principal.tenantId, feedId);
      return viewOf(own !== undefined ? principal.tenantId : SERVER_SCOPE, feedId);
    },

    /**
     * Creates a feed that is fetched from an upstream (empty until the first fetch, which the
     * scheduler makes on its next round or `fetchNow` at once).
     */
    async createFeed(
      principal: Principal,
      input: UpstreamInput & { readonly name: string },
    ): Promise<UpstreamView> {
      requirePermission(principal, 'intel:write');
      const { name, ...upstream } = input;
      validateUpstream(upstream);
      const at = ctx.now().toISOString();
      const feedId = await db.transaction().execute(async (trx) => {
        const exists = await trx
          .selectFrom('intel_feeds')
          .select('id')
          .where('tenant_id', '=', principal.tenantId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (exists !== undefined)
          throw errors.invalid(
            `name: a feed named ${JSON.stringify(name)} exists; configure its upstream instead`,
          );
        const id = await upsertIntelFeed(trx, {
          tenant_id: principal.tenantId,
          id: newId('fee'),
          name,
          format:
            upstream.format ??
            (upstream.kind === 'misp' ? 'misp' : upstream.kind === 'taxii' ? 'stix2' : 'pending'),
          version: null,
          digest: null,
          counts: JSON.stringify({
            indicators: 0,
            kev: 0,
            androidVulnerabilities: 0,
            iosReleases: 0,
            eolCycles: 0,
            osPointReleases: 0,
            deviceModels: 0,
            skippedEntries: 0,
          }),
          imported_at: at,
          content: null,
          path: upstream.url,
          parse_context: null,
        });
        await upsertIntelUpstream(trx, rowOf(principal.tenantId, id, upstream, undefined, at));
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'intel-upstream.create',
          target: id,
          details: { name, kind: upstream.kind, url: upstream.url, auth: upstream.auth?.type ?? 'none' },
          at,
        });
        return id;
      });
      return viewOf(principal.tenantId, feedId);
    },

    /** Configures (or replaces) the upstream of one of the tenant's feeds. */
    async configure(principal: Principal, feedId: string, input: UpstreamInput): Promise<UpstreamView> {
      requirePermission(principal, 'intel:write');
      const at = ctx.now().toISOString();
      await db.transaction().execute(async (trx) => {
        const feed = await findIntelFeed(trx, principal.tenantId, feedId);
        if (feed === undefined) throw errors.notFound('intel feed');
        const held = await findIntelUpstream(trx, principal.tenantId, feedId);
        await upsertIntelUpstream(trx, rowOf(principal.tenantId, feedId, input, held, at));
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'intel-upstream.configure',
          target: feedId,
          details: {
            name: feed.name,
            kind: input.kind,
            url: input.url,
            auth: input.auth?.type ?? held?.auth ?? 'none',
          },
          at,
        });
      });
      return viewOf(principal.tenantId, feedId);
    },

    /** Stops fetching one of the tenant's feeds; the feed keeps its last version. */
    async removeUpstream(principal: Principal, feedId: string): Promise<UpstreamView> {
      requirePermission(principal, 'intel:write');
      const view = await viewOf(principal.tenantId, feedId);
      const at = ctx.now().toISOString();
      await db.transaction().execute(async (trx) => {
        await deleteIntelUpstream(trx, principal.tenantId, feedId);
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'intel-upstream.delete',
          target: feedId,
          details: { name: view.name, url: view.url },
          at,
        });
      });
      return view;
    },

    /** Fetches one of the tenant's feeds now (`POST …/feeds/{id}/fetch`). */
    async fetchNow(
      principal: Principal,
      feedId: string,
    ): Promise<{ outcome: FetchOutcome; upstream: UpstreamView }> {
      requirePermission(principal, 'intel:write');
      if ((await findIntelUpstream(db, principal.tenantId, feedId)) === undefined)
        throw errors.notFound('intel feed upstream');
      const outcome = await fetchFeed(principal.tenantId, feedId, actorOf(principal));
      return { outcome, upstream: await viewOf(principal.tenantId, feedId) };
    },

    /** Fetches a feed of any scope (the CLI, for server-wide feeds). */
    fetchFeed,

    /** Configures the upstream of a feed of any scope (the CLI: server-wide feeds). */
    async configureScope(scope: string, feedId: string, input: UpstreamInput): Promise<void> {
      const at = ctx.now().toISOString();
      const held = await findIntelUpstream(db, scope, feedId);
      await upsertIntelUpstream(db, rowOf(scope, feedId, input, held, at));
    },

    /**
     * One scheduler round: fetches the upstreams that are due and whose lease is free, one after
     * another (a node fetches one feed at a time). Returns the outcomes.
     */
    async runDue(limit = 20): Promise<FetchOutcome[]> {
      const due = await listDueIntelUpstreams(db, ctx.now().toISOString(), limit);
      const outcomes: FetchOutcome[] = [];
      for (const { tenant_id, feed_id } of due) {
        try {
          outcomes.push(await fetchFeed(tenant_id, feed_id, 'system:intel-upstream'));
        } catch (error) {
          ctx.logger.warn({ err: error, feedId: feed_id }, 'intel upstream fetch failed');
        }
      }
      return outcomes;
    },
  };
}
