import { buildIntelIndex, type IntelLookup, type ParsedFeed } from '@riskgate/engine';
import type { IntelSource } from './intel-source.ts';

/** Tenant id under which server-wide feeds (imported with `riskgate intel import`) are stored. */
export const SERVER_SCOPE = '*';

/**
 * The intel the server assesses with: a base source (files loaded at start) plus feeds stored in
 * the database, server-wide (`*`) or per tenant. Lookups try the stored feeds first, then the base.
 * Shared by report ingestion and the intel feed admin API, so an upload takes effect at once.
 */
export interface IntelRegistry extends IntelSource {
  /** Replaces the stored feeds of one scope (a tenant id or {@link SERVER_SCOPE}) and rebuilds its index. */
  setFeeds(scope: string, feeds: readonly ParsedFeed[]): void;
  /**
   * Replaces the stored feeds of every scope at once: the new indexes are built before any lookup
   * sees them (synchronously), so a lookup never meets an empty or half-built index.
   */
  replaceAll(byScope: ReadonlyMap<string, readonly ParsedFeed[]>): void;
  /** The stored feeds of one scope. */
  feedsOf(scope: string): readonly ParsedFeed[];
}

function layered(first: IntelLookup, then: IntelLookup): IntelLookup {
  const os = first.os ?? then.os;
  const { findHost: firstHost } = first;
  const { findHost: thenHost } = then;
  return {
    find: (kind, value) => first.find(kind, value) ?? then.find(kind, value),
    findDomain: (host) => first.findDomain(host) ?? then.findDomain(host),
    // The one-pass host lookup when both layers have it (each is findDomain of the normal form).
    ...(firstHost !== undefined && thenHost !== undefined
      ? { findHost: (host: string) => firstHost(host) ?? thenHost(host) }
      : {}),
    ...(os !== undefined ? { os } : {}),
  };
}

/** Creates a registry over a base source; empty until {@link IntelRegistry.setFeeds} is called. */
export function createIntelRegistry(base: IntelSource): IntelRegistry {
  let feeds = new Map<string, readonly ParsedFeed[]>();
  let lookups = new Map<string, IntelLookup>();
  // Builds the new indexes aside and swaps them in: lookups see the old set or the new one.
  const rebuild = () => {
    const next = new Map<string, IntelLookup>();
    const server = feeds.get(SERVER_SCOPE) ?? [];
    for (const [scope, own] of feeds) {
      if (scope === SERVER_SCOPE) continue;
      next.set(scope, buildIntelIndex([...server, ...own]));
    }
    if (server.length > 0) next.set(SERVER_SCOPE, buildIntelIndex(server));
    lookups = next;
  };
  return {
    lookup(tenantId) {
      const stored = lookups.get(tenantId) ?? lookups.get(SERVER_SCOPE);
      const fallback = base.lookup(tenantId);
      return stored === undefined ? fallback : layered(stored, fallback);
    },
    setFeeds(scope, next) {
      if (next.length === 0) feeds.delete(scope);
      else feeds.set(scope, [...next]);
      rebuild();
    },
    replaceAll(byScope) {
      feeds = new Map(
        [...byScope].filter(([, own]) => own.length > 0).map(([scope, own]) => [scope, [...own]]),
      );
      rebuild();
    },
    feedsOf: (scope) => feeds.get(scope) ?? [],
  };
}
