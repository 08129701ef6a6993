import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import { listClusterVersionsAfter } from '../queries/cluster-versions.ts';
import { targetOf } from './cluster-scopes.ts';

/** What a node does when another process changed shared state. */
export interface ClusterSyncHandlers {
  /** The stored intel feeds reached `version`: load them (atomically). */
  intel(version: number): Promise<void>;
  /** A tenant's resources or access policies changed: recompile on next use. */
  config(tenantId: string): void;
  /** Device states of a tenant changed elsewhere: drop the cached ones. */
  devices(tenantId: string): void;
}

/** Follows `cluster_versions` for one node. */
export interface ClusterSync {
  /** A version announced by NOTIFY (PostgreSQL); applied when it is newer than the one held. */
  received(scope: string, version: number): void;
  /** Compares every stored version with the one held (at start, after a LISTEN reconnect). */
  checkAll(): Promise<void>;
  /** Applies the versions above the highest seen (the SQLite poll; versions grow in commit order there). */
  checkNew(): Promise<void>;
  close(): void;
}

export interface ClusterSyncOptions {
  readonly db: Db;
  readonly logger: Pick<Logger, 'warn'>;
  readonly handlers: ClusterSyncHandlers;
  /**
   * SQLite: how often to look for changes made by other processes on the same file (default
   * 250 ms; one indexed read of the rows above the highest version seen, usually none). 0: never.
   * PostgreSQL does not poll: NOTIFY delivers changes, and `checkAll` runs on (re)connect.
   */
  readonly pollMs?: number;
}

/** Creates the follower; on SQLite it starts polling at once (an unref'd timer). */
export function createClusterSync(options: ClusterSyncOptions): ClusterSync {
  const { db, logger, handlers } = options;
  const seen = new Map<string, number>();
  let highest = 0;
  let failing = false;

  function apply(scope: string, version: number): void {
    if ((seen.get(scope) ?? 0) >= version) return;
    seen.set(scope, version);
    highest = Math.max(highest, version);
    const target = targetOf(scope);
    if (target.kind === 'intel') {
      // A failed load leaves the node's intel version low: the next report loads before assessing.
      handlers.intel(version).catch((error: unknown) => logger.warn({ err: error }, 'intel reload failed'));
    } else if (target.kind === 'config') handlers.config(target.tenantId);
    else if (target.kind === 'devices') handlers.devices(target.tenantId);
  }

  async function check(after: number): Promise<void> {
    for (const row of await listClusterVersionsAfter(db.db, after)) apply(row.scope, row.version);
  }

  // One check at a time; a poll that finds one running skips its turn.
  let running: Promise<void> | undefined;
  function guarded(after: () => number): Promise<void> {
    if (running !== undefined) return running;
    running = check(after()).finally(() => {
      running = undefined;
    });
    return running;
  }

  const pollMs = options.pollMs ?? 250;
  let timer: NodeJS.Timeout | undefined;
  if (db.dialect === 'sqlite' && pollMs > 0) {
    timer = setInterval(() => {
      guarded(() => highest).then(
        () => {
          failing = false;
        },
        (error: unknown) => {
          // Logged once per outage, not every 250 ms.
          if (!failing) logger.warn({ err: error }, 'cluster version poll failed');
          failing = true;
        },
      );
    }, pollMs);
    timer.unref();
  }

  return {
    received: apply,
    checkAll: () => guarded(() => 0),
    checkNew: () => guarded(() => highest),
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
