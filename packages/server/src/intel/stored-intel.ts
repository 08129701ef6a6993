import {
  type IndicatorCategory,
  type IntelFormat,
  type ParseContext,
  type ParsedFeed,
  parseIntelFile,
  withFeedRecord,
} from '@riskgate/engine';
import type { Logger } from 'pino';
import { INTEL_SCOPE } from '../cluster/cluster-scopes.ts';
import type { Db } from '../db/database.ts';
import { findClusterVersion } from '../queries/cluster-versions.ts';
import {
  type IntelFeedSummaryRow,
  listAllIntelFeeds,
  listIntelFeedContentsByIds,
} from '../queries/intel-feeds.ts';
import { createIntelRegistry, type IntelRegistry } from './intel-registry.ts';
import type { IntelSource } from './intel-source.ts';

/**
 * The feeds stored in the database (admin API uploads, `riskgate intel import`) as this node holds
 * them, layered over the start-up intel. Any process may change the stored feeds; each change
 * raises the `intel` cluster version in its transaction, and this node reloads when the stored
 * version is above the one it holds: before every report's assessment ({@link ensure}), on a
 * NOTIFY, and on the SQLite poll. A node therefore never assesses with feeds older than the
 * database's, and so never resolves a threat only because it missed a feed.
 */
export interface StoredIntel extends IntelSource {
  /** The `intel` cluster version the loaded feeds are at least as new as (0: none read yet). */
  readonly version: number;
  /** The loaded stored feeds of one scope (a tenant id or `*`). */
  feedsOf(scope: string): readonly ParsedFeed[];
  /**
   * Resolves once the loaded feeds are at least at `version` (at once when they are); rejects when
   * the database cannot be read (the caller must then not assess).
   */
  ensure(version: number): Promise<void>;
  /** Reads the stored version and loads what changed since the last load; resolves after the swap. */
  reload(): Promise<void>;
}

interface LoadedFeed {
  readonly scope: string;
  /** Changes whenever the row is replaced (`riskgate intel import` and uploads upsert by name). */
  readonly revision: string;
  readonly feed: ParsedFeed | undefined;
}

const revisionOf = (row: IntelFeedSummaryRow): string =>
  `${row.name}\u0000${row.format}\u0000${row.imported_at}\u0000${row.digest ?? ''}\u0000${row.counts}\u0000${row.parse_context ?? ''}`;

/** The stored parse context (JSON written by `storeFeed`), checked; `undefined` when absent or not one. */
export function parseContextOf(text: string | null): ParseContext | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const context: { -readonly [K in keyof ParseContext]: ParseContext[K] } = {};
  if (typeof record.family === 'string') context.family = record.family;
  if (typeof record.category === 'string') context.category = record.category as IndicatorCategory;
  if (typeof record.reference === 'string') context.reference = record.reference;
  if (typeof record.from === 'string') context.from = record.from;
  return context;
}

/** Creates the node's stored intel over a base source; call {@link StoredIntel.reload} to load. */
export function createStoredIntel(db: Db['db'], base: IntelSource, logger: Logger): StoredIntel {
  const registry: IntelRegistry = createIntelRegistry(base);
  let loaded = new Map<string, LoadedFeed>();
  let version = 0;

  /** Parses only the feeds that are new or replaced since the last load; builds the index aside. */
  async function load(): Promise<void> {
    // The version first: the feeds read after it are at least as new.
    const stored = await findClusterVersion(db, INTEL_SCOPE);
    const rows = await listAllIntelFeeds(db);
    const changed = rows.filter((row) => loaded.get(row.id)?.revision !== revisionOf(row));
    const contents = new Map(
      (
        await listIntelFeedContentsByIds(
          db,
          changed.map((row) => row.id),
        )
      ).map((row) => [row.id, row.content] as const),
    );
    const next = new Map<string, LoadedFeed>();
    for (const row of rows) {
      const known = loaded.get(row.id);
      if (known !== undefined && known.revision === revisionOf(row)) {
        next.set(row.id, known);
        continue;
      }
      const content = contents.get(row.id);
      if (content === undefined) continue; // deleted since the list was read
      next.set(row.id, {
        scope: row.tenant_id,
        revision: revisionOf(row),
        feed: parseStoredFeed(row, content, logger),
      });
    }
    const byScope = new Map<string, ParsedFeed[]>();
    for (const { scope, feed } of next.values()) {
      if (feed !== undefined) byScope.set(scope, [...(byScope.get(scope) ?? []), feed]);
    }
    registry.replaceAll(byScope);
    loaded = next;
    version = Math.max(version, stored);
  }

  // One load at a time; a reload asked for while one runs gets the next one (which reads after
  // the request), and callers asking meanwhile share it.
  let queued: Promise<void> | undefined;
  let last: Promise<void> = Promise.resolve();
  function reload(): Promise<void> {
    if (queued !== undefined) return queued;
    const next = last
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return load();
      });
    queued = next;
    last = next;
    return next;
  }

  return {
    lookup: (tenantId) => registry.lookup(tenantId),
    get version() {
      return version;
    },
    feedsOf: (scope) => registry.feedsOf(scope),
    async ensure(wanted) {
      if (version < wanted) await reload();
    },
    reload,
  };
}

/**
 * A stored feed parsed as the index loads it; `undefined` (logged) when it has no content or no
 * longer parses. The one parse of stored feeds: the index and the retraction after a delete.
 */
export function parseStoredFeed(
  row: Pick<IntelFeedSummaryRow, 'id' | 'name' | 'format' | 'parse_context' | 'imported_at' | 'path'>,
  content: string | null,
  logger: Pick<Logger, 'warn'>,
): ParsedFeed | undefined {
  if (content === null) return undefined;
  try {
    const context = parseContextOf(row.parse_context);
    const feed = parseIntelFile(
      content,
      row.name,
      context === undefined
        ? { format: row.format as IntelFormat }
        : { format: row.format as IntelFormat, context },
    );
    // Evidence names the stored feed: its id, name and upload (admin API) or import (CLI) time.
    return withFeedRecord(feed, {
      id: row.id,
      name: row.name,
      importedAt: row.imported_at,
      // A feed fetched from its upstream keeps the upstream URL as its path.
      via: row.path === null ? 'upload' : /^https?:\/\//.test(row.path) ? 'fetch' : 'import',
    });
  } catch (error) {
    logger.warn({ feed: row.name, err: error }, 'stored intel feed does not parse; skipped');
    return undefined;
  }
}
