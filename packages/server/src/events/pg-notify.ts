import pg from 'pg';
import { CONNECT_TIMEOUT_MS, guardPool } from '../db/database.ts';

/** What travels between nodes: which device or tenant changed, never the state itself. */
export type ClusterMessage =
  | {
      readonly kind: 'device';
      readonly tenantId: string;
      readonly deviceId: string;
      readonly version: number;
    }
  | { readonly kind: 'config'; readonly tenantId: string }
  /** A `cluster_versions` scope reached `version` (see cluster/cluster-scopes.ts); sent by any process. */
  | { readonly kind: 'version'; readonly scope: string; readonly version: number };

/** Sends and receives {@link ClusterMessage}s between the nodes sharing one database. */
export interface ClusterNotifier {
  notify(message: ClusterMessage): Promise<void>;
  /**
   * The channel and payload {@link notify} would send, for a caller that sends it with
   * `pg_notify` inside its own transaction (delivered on commit, no extra round trip).
   */
  notificationOf(message: ClusterMessage): { readonly channel: string; readonly payload: string };
  /** Whether the LISTEN connection is up (`/readyz`); while it is down, other nodes' changes are missed. */
  listening(): boolean;
  close(): Promise<void>;
}

export interface PgNotifierOptions {
  readonly connectionString: string;
  /** This node's id: its own notifications come back and are ignored. */
  readonly nodeId: string;
  readonly channel?: string;
  onMessage(message: ClusterMessage): void;
  /** Called after the LISTEN connection was re-established: notifications may have been missed. */
  onReconnect(): void;
  readonly logger: { warn(obj: object, msg: string): void };
}

export const DEFAULT_CHANNEL = 'riskgate_access';

/** The LISTEN connection's `application_name` (operators and tests find it in pg_stat_activity). */
export const LISTEN_APPLICATION_NAME = 'riskgate-listen';

function parseMessage(payload: string | undefined, nodeId: string): ClusterMessage | undefined {
  if (payload === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (m.k === 'v' && typeof m.s === 'string' && typeof m.v === 'number') {
    return { kind: 'version', scope: m.s, version: m.v };
  }
  if (m.n === nodeId || typeof m.t !== 'string') return undefined;
  if (m.k === 'd' && typeof m.d === 'string') {
    return { kind: 'device', tenantId: m.t, deviceId: m.d, version: typeof m.v === 'number' ? m.v : 0 };
  }
  return m.k === 'c' ? { kind: 'config', tenantId: m.t } : undefined;
}

/**
 * The NOTIFY announcing a scope's new version, for a transaction to send with `pg_notify`. It
 * carries no node id: any process (the CLI too) sends it, and a node that already holds the
 * version ignores it.
 */
export function versionNotification(
  scope: string,
  version: number,
  channel: string = DEFAULT_CHANNEL,
): { readonly channel: string; readonly payload: string } {
  return { channel, payload: JSON.stringify({ k: 'v', s: scope, v: version }) };
}

/**
 * PostgreSQL LISTEN/NOTIFY between nodes: one dedicated client LISTENs (reconnecting with
 * backoff after an error, then calling `onReconnect`); NOTIFY goes through a second small client.
 * Payloads are tiny (`{k,t,d,v,n}`): receivers reload the row.
 */
export async function createPgNotifier(options: PgNotifierOptions): Promise<ClusterNotifier> {
  const channel = options.channel ?? DEFAULT_CHANNEL;
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid NOTIFY channel name ${channel}`);
  let closed = false;
  let listener: pg.Client | undefined;
  let retryMs = 100;
  let timer: NodeJS.Timeout | undefined;
  const sender = new pg.Pool({
    connectionString: options.connectionString,
    max: 2,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  guardPool(sender, (error) => options.logger.warn({ err: error }, 'NOTIFY connection error'));

  async function connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: options.connectionString,
      application_name: LISTEN_APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    client.on('notification', (msg) => {
      const message = parseMessage(msg.payload, options.nodeId);
      if (message !== undefined) options.onMessage(message);
    });
    const lost = (error?: Error) => {
      if (closed || listener !== client) return;
      listener = undefined;
      options.logger.warn({ err: error }, 'LISTEN connection lost; reconnecting');
      client.end().catch(() => {});
      schedule();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    listener = client;
  }

  function schedule(): void {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().then(
        () => {
          retryMs = 100;
          options.onReconnect();
        },
        (error: unknown) => {
          options.logger.warn({ err: error, retryMs }, 'LISTEN reconnect failed');
          retryMs = Math.min(retryMs * 2, 5_000);
          schedule();
        },
      );
    }, retryMs);
    timer.unref();
  }

  await connect();

  const payloadOf = (message: ClusterMessage): string => {
    if (message.kind === 'version') return versionNotification(message.scope, message.version).payload;
    return JSON.stringify(
      message.kind === 'device'
        ? { k: 'd', t: message.tenantId, d: message.deviceId, v: message.version, n: options.nodeId }
        : { k: 'c', t: message.tenantId, n: options.nodeId },
    );
  };

  return {
    async notify(message) {
      await sender.query('select pg_notify($1, $2)', [channel, payloadOf(message)]);
    },
    notificationOf: (message) => ({ channel, payload: payloadOf(message) }),
    listening: () => listener !== undefined,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const client = listener;
      listener = undefined;
      await Promise.allSettled([client?.end(), sender.end()]);
    },
  };
}
