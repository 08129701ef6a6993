import type { Detection, Snapshot } from '@riskgate/engine';

/** Tenant privacy settings. */
export interface PrivacySettings {
  /**
   * What is kept of a personal device's snapshot: `matches-only` (default) keeps only the apps,
   * domains and connections that matched a threat, and no network names; `full` keeps everything.
   */
  readonly personalDevices: 'matches-only' | 'full';
}

export const DEFAULT_PRIVACY: PrivacySettings = { personalDevices: 'matches-only' };

/** Every value a detection's evidence observed, plus each detection key's subject. */
function observedValues(detections: readonly Detection[]): Set<string> {
  const seen = new Set<string>();
  for (const detection of detections) {
    const colon = detection.key.indexOf(':');
    if (colon >= 0) seen.add(detection.key.slice(colon + 1).toLowerCase());
    for (const evidence of detection.evidence) seen.add(evidence.observed.toLowerCase());
  }
  return seen;
}

/**
 * The snapshot as stored for a personal device under `matches-only`: the app inventory, visited
 * domains and connections are reduced to what matched, and Wi-Fi names and BSSIDs are dropped.
 * The result still validates against the engine's snapshot schema. Pure.
 */
export function redactSnapshot(snapshot: Snapshot, detections: readonly Detection[]): Snapshot {
  const matched = observedValues(detections);
  const network = { ...snapshot.network, gatewayMacHistory: [] };
  if (network.wifi !== undefined) {
    const { bssid: _bssid, ...wifi } = network.wifi;
    network.wifi = { ...wifi, ssid: '' };
  }
  return {
    ...snapshot,
    apps: snapshot.apps.filter((app) => matched.has(app.id.toLowerCase())),
    network,
    ...(snapshot.visitedDomains !== undefined
      ? {
          // A visit is kept when its host matched, or one of its DNS answers did.
          visitedDomains: snapshot.visitedDomains.filter(
            (visit) =>
              matched.has(visit.domain.toLowerCase()) ||
              (visit.answers?.some((ip) => matched.has(ip.toLowerCase())) ?? false),
          ),
        }
      : {}),
    ...(snapshot.connections !== undefined
      ? { connections: snapshot.connections.filter((connection) => matched.has(connection.ip.toLowerCase())) }
      : {}),
  };
}
