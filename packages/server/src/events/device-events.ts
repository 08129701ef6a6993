import type { ComplianceState, RiskLevel, ThreatRisk } from '@riskgate/engine';

/** An active threat, summarised for subscribers (remediation texts stay in the decision cache). */
export interface ThreatSummary {
  readonly typeId: string;
  readonly title: string;
  readonly risk: ThreatRisk;
}

/**
 * A device's access-relevant state after a transaction that changed it committed (report ingest,
 * re-rating, retirement). `version` increases with every state this node applied for the device.
 */
export interface DeviceStateChanged {
  readonly type: 'device-state-changed';
  readonly tenantId: string;
  readonly deviceId: string;
  readonly riskLevel: RiskLevel;
  readonly complianceState: ComplianceState;
  readonly labels: readonly string[];
  readonly retired: boolean;
  readonly activeThreats: readonly ThreatSummary[];
  readonly version: number;
}

/** A tenant's resources or access policies changed: compiled copies must be rebuilt. */
export interface AccessConfigChanged {
  readonly type: 'access-config-changed';
  readonly tenantId: string;
}

export type RiskgateEvent = DeviceStateChanged | AccessConfigChanged;

export type EventListener = (event: RiskgateEvent) => void;

/**
 * The in-process event bus of one node. `publish` calls every listener synchronously, in
 * subscription order, before it returns: the decision cache relies on that ordering. A listener
 * that throws is reported and does not stop the others.
 */
export interface EventBus {
  publish(event: RiskgateEvent): void;
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void;
  /** How many listeners are attached (SSE connections, caches), for tests and metrics. */
  listenerCount(): number;
}

/** Creates an in-process bus; `onListenerError` sees listener exceptions. */
export function createEventBus(onListenerError: (error: unknown) => void = () => {}): EventBus {
  const listeners = new Set<EventListener>();
  return {
    publish(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      // A wrapper, so subscribing the same function twice gives two independent subscriptions.
      const entry: EventListener = (event) => listener(event);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    listenerCount: () => listeners.size,
  };
}
