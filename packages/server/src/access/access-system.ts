import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { announceChange, devicesScope } from '../cluster/cluster-scopes.ts';
import { ConfigError } from '../config.ts';
import type { Db } from '../db/database.ts';
import { createEventBus, type EventBus } from '../events/device-events.ts';
import { type ClusterMessage, type ClusterNotifier, createPgNotifier } from '../events/pg-notify.ts';
import { type AccessDecider, createAccessDecider } from './access-decider.ts';
import { type AccessLog, createAccessLog } from './access-log.ts';
import { createIdentityHeaderReader, type IdentityHeaderReader } from './client-cert-headers.ts';
import {
  createDecisionCache,
  type DecisionCache,
  type DeviceChangeSlot,
  type WrittenDeviceState,
} from './decision-cache.ts';
import { createPolicyCache, type PolicyCache } from './policy-cache.ts';
import { createProxyTrust, type ProxyIntegration, type ProxyTrust } from './proxy-binding.ts';
import { createTokenSigner, type TokenSigner } from './signed-token.ts';

/** Settings of the access subsystem. */
export interface AccessOptions {
  /** Absolute URL users reach Riskgate at, for remediation links (default `http://127.0.0.1:8080`). */
  readonly publicUrl?: string;
  /**
   * Deployment-wide secret a proxy may send in `X-Riskgate-Proxy-Secret` instead of a tenant's own
   * proxy credential; needs {@link proxyTenantId} and {@link proxyIntegration} (refused at start without).
   */
  readonly proxySecret?: string;
  /** Proxy addresses trusted without a secret (the server's `trustedProxies`); bound like the secret. */
  readonly trustedProxies?: readonly string[];
  /** The one tenant the shared secret and trusted addresses are bound to. */
  readonly proxyTenantId?: string;
  /** The proxy behind the shared secret and trusted addresses: which identity header it sets. */
  readonly proxyIntegration?: ProxyIntegration;
  /** PostgreSQL URL for LISTEN/NOTIFY between nodes (PostgreSQL mode only). */
  readonly postgresUrl?: string;
  /** Device session token lifetime (default 10 minutes). */
  readonly deviceTokenTtlSeconds?: number;
}

/**
 * One node's conditional-access machinery: decision cache, compiled policies, event bus,
 * access log, and the cross-node notifier. Services call `deviceChanged` after a transaction
 * that changed a device commits, and before they answer.
 */
export interface AccessSystem {
  readonly decider: AccessDecider;
  readonly devices: DecisionCache;
  readonly policies: PolicyCache;
  readonly bus: EventBus;
  readonly log: AccessLog;
  readonly tokens: TokenSigner;
  readonly trust: ProxyTrust;
  /** Reads device identities from proxy headers, remembering parsed certificate headers (this node's). */
  readonly identityHeaders: IdentityHeaderReader;
  readonly publicUrl: string;
  readonly deviceTokenTtlSeconds: number;
  readonly nodeId: string;
  readonly now: () => Date;
  /**
   * Reloads the device into this node's cache, publishes `DeviceStateChanged` locally and tells
   * the other nodes. Resolves when this node can no longer decide on the old state. Never rejects:
   * on failure the device is evicted, so the next decision reads it from the database.
   */
  deviceChanged(tenantId: string, deviceId: string): Promise<void>;
  /**
   * {@link deviceChanged} without reading the device back, for a transaction that knows the state
   * it writes (report ingestion): called inside the transaction, before commit, while the
   * transaction holds what orders commits of the device (see {@link DeviceChangeSlot}). After the
   * commit, `committed` stores the written state, publishes and tells the other nodes (which read
   * it from the database); `failed` re-reads the device. Neither rejects.
   */
  reserveDeviceChange(tenantId: string, deviceId: string): DeviceChangeReservation;
  /** {@link deviceChanged} for several devices (bulk re-rating), a few at a time. */
  devicesChanged(tenantId: string, deviceIds: readonly string[]): Promise<void>;
  /** Drops the tenant's compiled resources and policies here and on the other nodes. */
  configChanged(tenantId: string): Promise<void>;
  /**
   * Another process changed shared state (see cluster/cluster-scopes.ts): apply it here only.
   * `config`: recompile the tenant's resources and policies; `devices`: drop the cached devices.
   */
  applyClusterChange(kind: 'config' | 'devices', tenantId: string): void;
  /** The LISTEN connection's state: `off` without PostgreSQL LISTEN/NOTIFY (`/readyz`). */
  listenState(): 'ok' | 'reconnecting' | 'off';
  close(): Promise<void>;
}

/** See {@link AccessSystem.reserveDeviceChange}. */
export interface DeviceChangeReservation {
  /**
   * With PostgreSQL LISTEN/NOTIFY between nodes: the notification telling the other nodes, for the
   * transaction to send with `pg_notify` (delivered on commit). Its version is 0 (this node's
   * version is assigned on apply; receivers reload the device and do not use it).
   */
  readonly notification?: { readonly channel: string; readonly payload: string };
  /** After commit; `notified`: the transaction sent {@link notification}, so it is not sent again. */
  committed(state: WrittenDeviceState, notified?: boolean): Promise<void>;
  failed(): Promise<void>;
}

export interface AccessSystemDeps {
  readonly db: Db;
  readonly secretKey: Uint8Array;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly now: () => Date;
  /** A `cluster_versions` scope announced by NOTIFY (see cluster/cluster-sync.ts). */
  readonly onClusterVersion?: (scope: string, version: number) => void;
  /** The LISTEN connection is back: versions announced meanwhile must be read. */
  readonly onClusterReconnect?: () => void;
  /** Called first by `close` (the app closes the access system when it closes). */
  readonly onClose?: () => void;
}

/** Builds the access subsystem; connects LISTEN when a PostgreSQL URL is given. */
export async function createAccessSystem(
  deps: AccessSystemDeps,
  options: AccessOptions = {},
): Promise<AccessSystem> {
  if (
    options.proxySecret !== undefined &&
    (options.proxyTenantId === undefined || options.proxyIntegration === undefined)
  ) {
    throw new ConfigError(
      'RISKGATE_PROXY_SECRET is set without RISKGATE_PROXY_TENANT and RISKGATE_PROXY_INTEGRATION: a shared proxy secret must be bound to one tenant and one proxy integration (or use per-tenant proxy credentials: POST /v1/admin/proxy-credentials)',
    );
  }
  const trust = createProxyTrust(deps.db.db, {
    ...(options.proxySecret === undefined ? {} : { secret: options.proxySecret }),
    addresses: options.trustedProxies ?? [],
    ...(options.proxyTenantId === undefined ? {} : { tenantId: options.proxyTenantId }),
    ...(options.proxyIntegration === undefined ? {} : { integration: options.proxyIntegration }),
  });
  const nodeId = randomUUID();
  const devices = createDecisionCache(deps.db.db);
  const policies = createPolicyCache(deps.db.db);
  const bus = createEventBus((error) => deps.logger.warn({ err: error }, 'event listener failed'));
  const tokens = createTokenSigner(deps.secretKey);
  const log = createAccessLog({
    db: deps.db.db,
    registry: deps.registry,
    logger: deps.logger,
    now: deps.now,
  });
  const publicUrl = (options.publicUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const decider = createAccessDecider({
    devices,
    policies,
    tokens,
    log,
    now: deps.now,
    publicUrl,
    onStateUnavailable: (error) =>
      deps.logger.warn({ err: error }, 'access decision failed closed: device state unavailable'),
  });

  async function applyDevice(tenantId: string, deviceId: string): Promise<number | undefined> {
    try {
      const event = await devices.refresh(tenantId, deviceId);
      if (event !== undefined) bus.publish(event);
      return event?.version;
    } catch (error) {
      devices.evict(deviceId);
      deps.logger.warn({ err: error, deviceId }, 'decision cache refresh failed; device evicted');
      return undefined;
    }
  }

  function applyConfig(tenantId: string): void {
    policies.invalidate(tenantId);
    // Proxy credentials are read for every tenant at once: a change to one reloads them all.
    trust.invalidate();
    bus.publish({ type: 'access-config-changed', tenantId });
  }

  let notifier: ClusterNotifier | undefined;
  if (options.postgresUrl !== undefined && deps.db.dialect === 'postgres') {
    notifier = await createPgNotifier({
      connectionString: options.postgresUrl,
      nodeId,
      logger: deps.logger,
      onMessage(message: ClusterMessage) {
        if (message.kind === 'config') applyConfig(message.tenantId);
        else if (message.kind === 'version') deps.onClusterVersion?.(message.scope, message.version);
        else void applyDevice(message.tenantId, message.deviceId);
      },
      onReconnect() {
        // Notifications sent while disconnected are lost: forget everything cached.
        devices.clear();
        policies.clear();
        deps.onClusterReconnect?.();
        trust.invalidate();
      },
    });
  }

  async function tell(message: ClusterMessage): Promise<void> {
    if (notifier === undefined) return;
    try {
      await notifier.notify(message);
    } catch (error) {
      deps.logger.warn(
        { err: error },
        'NOTIFY failed; other nodes keep their cached state until they reload',
      );
    }
  }

  /**
   * SQLite has no NOTIFY: other processes on the same file learn of device changes made outside
   * report ingestion (triage, re-rating, retirement) from the tenant's `devices` version, which
   * they poll. (PostgreSQL nodes get one NOTIFY per device instead.)
   */
  async function announceDevices(tenantId: string): Promise<void> {
    if (deps.db.dialect !== 'sqlite') return;
    try {
      await announceChange(deps.db.db, deps.db.dialect, devicesScope(tenantId));
    } catch (error) {
      deps.logger.warn({ err: error }, 'could not announce a device change to other processes');
    }
  }

  async function deviceChanged(tenantId: string, deviceId: string): Promise<void> {
    const version = await applyDevice(tenantId, deviceId);
    await tell({ kind: 'device', tenantId, deviceId, version: version ?? 0 });
    await announceDevices(tenantId);
  }

  function reserveDeviceChange(tenantId: string, deviceId: string): DeviceChangeReservation {
    const slot: DeviceChangeSlot = devices.reserve(tenantId, deviceId);
    const notification = notifier?.notificationOf({ kind: 'device', tenantId, deviceId, version: 0 });
    return {
      ...(notification === undefined ? {} : { notification }),
      async committed(state, notified = false) {
        let version: number | undefined;
        try {
          const event = await slot.apply(state);
          if (event !== undefined) bus.publish(event);
          version = event?.version;
        } catch (error) {
          devices.evict(deviceId);
          deps.logger.warn({ err: error, deviceId }, 'decision cache update failed; device evicted');
        }
        if (!notified) await tell({ kind: 'device', tenantId, deviceId, version: version ?? 0 });
      },
      async failed() {
        try {
          await slot.abandon();
        } catch (error) {
          devices.evict(deviceId);
          deps.logger.warn({ err: error, deviceId }, 'decision cache refresh failed; device evicted');
        }
      },
    };
  }

  return {
    decider,
    devices,
    policies,
    bus,
    log,
    tokens,
    trust,
    identityHeaders: createIdentityHeaderReader(),
    publicUrl,
    deviceTokenTtlSeconds: options.deviceTokenTtlSeconds ?? 600,
    nodeId,
    now: deps.now,
    deviceChanged,
    reserveDeviceChange,
    async devicesChanged(tenantId, deviceIds) {
      if (deviceIds.length === 0) return;
      let events: Awaited<ReturnType<DecisionCache['refreshMany']>> = [];
      try {
        events = await devices.refreshMany(tenantId, deviceIds);
      } catch (error) {
        // Some chunks may be stored already; evicting all is the safe side (next decision reloads).
        for (const id of deviceIds) devices.evict(id);
        deps.logger.warn(
          { err: error, devices: deviceIds.length },
          'bulk decision cache refresh failed; devices evicted',
        );
      }
      for (const event of events) bus.publish(event);
      await announceDevices(tenantId);
      if (notifier === undefined) return;
      const versions = new Map(events.map((event) => [event.deviceId, event.version] as const));
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < deviceIds.length; i = next++) {
          const id = deviceIds[i];
          if (id !== undefined)
            await tell({ kind: 'device', tenantId, deviceId: id, version: versions.get(id) ?? 0 });
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, deviceIds.length) }, worker));
    },
    async configChanged(tenantId) {
      applyConfig(tenantId);
      await tell({ kind: 'config', tenantId });
    },
    listenState() {
      if (notifier === undefined) return 'off';
      return notifier.listening() ? 'ok' : 'reconnecting';
    },
    applyClusterChange(kind, tenantId) {
      if (kind === 'config') applyConfig(tenantId);
      else devices.clear();
    },
    async close() {
      deps.onClose?.();
      await log.close();
      await notifier?.close();
    },
  };
}
