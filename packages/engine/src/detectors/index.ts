import { detectMaliciousProcesses } from './app.ts';
import { detectAppThreats } from './apps.ts';
import { detectAttestation, detectDeviceIntegrity } from './device.ts';
import {
  detectDnsHijack,
  detectSslStrip,
  detectSuspiciousProxy,
  detectTlsInterception,
} from './network-traffic.ts';
import { detectProfiles, detectUntrustedCa } from './network-trust.ts';
import { detectArpSpoofing, detectWifi } from './network-wifi.ts';
import type { Detector } from './types.ts';
import { detectDomainsAndConnections } from './web.ts';

/** The built-in detectors for apps, device integrity, network and web (OS detectors live in os.ts). */
export const CORE_DETECTORS: readonly Detector[] = [
  // One pass over the apps: detectMaliciousApps, detectAppProvenance, detectDangerousPermissions.
  detectAppThreats,
  detectMaliciousProcesses,
  detectDeviceIntegrity,
  detectAttestation,
  detectWifi,
  detectArpSpoofing,
  detectTlsInterception,
  detectSslStrip,
  detectSuspiciousProxy,
  detectDnsHijack,
  detectUntrustedCa,
  detectProfiles,
  detectDomainsAndConnections,
];

export { detectMaliciousApps, detectMaliciousProcesses } from './app.ts';
export { detectAppProvenance, detectDangerousPermissions } from './app-rules.ts';
export { detectAppThreats } from './apps.ts';
export * from './device.ts';
export * from './network-traffic.ts';
export * from './network-trust.ts';
export { detectArpSpoofing, detectWifi } from './network-wifi.ts';
export * from './settings.ts';
export * from './types.ts';
export * from './web.ts';
