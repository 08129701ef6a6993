import { LIMITS } from './common.ts';
import type { SnapshotEvent } from './report.ts';
import type { Snapshot, VisitedDomain } from './snapshot.ts';

/**
 * Applies incremental events, in order, on top of a snapshot and returns the new snapshot.
 * Pure: the input is not modified.
 *
 * - `app-installed` replaces the app with the same id (an update) or appends it;
 * - `app-removed` drops the app with that id (no-op when absent);
 * - `network-changed` replaces the whole network state;
 * - `domain-visited` appends to `visitedDomains`, keeping the newest `LIMITS.visitedDomains`.
 *
 * `collectedAt` moves forward to the latest event time. An install beyond `LIMITS.apps` apps is
 * dropped so the result always stays valid against `SnapshotSchema`.
 */
export function applyEvents(snapshot: Snapshot, events: readonly SnapshotEvent[]): Snapshot {
  if (events.length === 0) return snapshot;
  const apps = new Map(snapshot.apps.map((app) => [app.id, app] as const));
  let network = snapshot.network;
  const visited: VisitedDomain[] = snapshot.visitedDomains ? [...snapshot.visitedDomains] : [];
  let domainsChanged = false;
  let collectedAt = snapshot.collectedAt;
  let collectedMs = Date.parse(collectedAt);

  for (const event of events) {
    switch (event.type) {
      case 'app-installed':
        if (apps.has(event.app.id) || apps.size < LIMITS.apps) apps.set(event.app.id, event.app);
        break;
      case 'app-removed':
        apps.delete(event.appId);
        break;
      case 'network-changed':
        network = event.network;
        break;
      case 'domain-visited':
        visited.push(
          event.answers === undefined
            ? { domain: event.domain, at: event.at }
            : { domain: event.domain, at: event.at, answers: event.answers },
        );
        domainsChanged = true;
        break;
    }
    const atMs = Date.parse(event.at);
    if (!(atMs <= collectedMs)) {
      collectedMs = atMs;
      collectedAt = event.at;
    }
  }

  const next: Snapshot = { ...snapshot, collectedAt, apps: [...apps.values()], network };
  if (domainsChanged) {
    next.visitedDomains =
      visited.length > LIMITS.visitedDomains
        ? visited.slice(visited.length - LIMITS.visitedDomains)
        : visited;
  }
  return next;
}
