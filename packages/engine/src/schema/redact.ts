import { normalizeHost } from '../detectors/host.ts';
import type { Detection } from '../types.ts';
import type { Network } from './network.ts';
import type { Snapshot } from './snapshot.ts';

/** Every value a detection refers to: its subject and what its evidence observed. */
function matchedValues(detections: readonly Detection[]): Set<string> {
  const values = new Set<string>();
  for (const detection of detections) {
    const colon = detection.key.indexOf(':');
    if (colon !== -1) values.add(detection.key.slice(colon + 1));
    for (const evidence of detection.evidence) values.add(evidence.observed);
  }
  return values;
}

function redactNetwork(
  network: Network,
  matched: ReadonlySet<string>,
  detections: readonly Detection[],
): Network {
  const { wifi, gatewayMacHistory, ...rest } = network;
  const next: Network = { ...rest };
  if (wifi !== undefined) {
    const keepName =
      matched.has(wifi.ssid) || detections.some((d) => d.key.includes(wifi.ssid) && wifi.ssid !== '');
    next.wifi = keepName ? wifi : { ssid: '', security: wifi.security };
  }
  if (gatewayMacHistory !== undefined && detections.some((d) => d.typeId === 'network.arp-spoofing')) {
    next.gatewayMacHistory = gatewayMacHistory;
  }
  return next;
}

/**
 * The snapshot as it may be stored for a personal device (docs/ARCHITECTURE.md, "Security model":
 * the app inventory and network names are matched, never stored; only matches are). Keeps device,
 * integrity, probes, certificates and profiles; keeps only the apps, visited domains, connections
 * and processes that a detection refers to; blanks the Wi-Fi name unless a detection is about it.
 * Pure: the input is not modified.
 */
export function redactPersonalSnapshot(snapshot: Snapshot, detections: readonly Detection[]): Snapshot {
  const matched = matchedValues(detections);
  const next: Snapshot = {
    ...snapshot,
    apps: snapshot.apps.filter((app) => matched.has(app.id)),
    network: redactNetwork(snapshot.network, matched, detections),
  };
  if (snapshot.visitedDomains !== undefined) {
    // A visit is kept when its host matched, or one of its DNS answers did (kept for re-assessment).
    next.visitedDomains = snapshot.visitedDomains.filter(
      (visit) =>
        matched.has(normalizeHost(visit.domain)) ||
        (visit.answers?.some((ip) => matched.has(ip.toLowerCase())) ?? false),
    );
  }
  if (snapshot.connections !== undefined) {
    next.connections = snapshot.connections.filter((connection) => matched.has(connection.ip.toLowerCase()));
  }
  if (snapshot.processes !== undefined) {
    next.processes = snapshot.processes.filter((name) => matched.has(name));
  }
  return next;
}
