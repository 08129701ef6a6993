/**
 * Test support for detectors: a clean snapshot builder and a tiny in-memory `IntelLookup`.
 * Used only by tests (and benchmarks); not exported from the package index.
 */

import { resolveAssessSettings } from '../src/detectors/settings.ts';
import type { AssessSettings, DetectorContext, Finding } from '../src/detectors/types.ts';
import type { App } from '../src/schema/app.ts';
import type { Network } from '../src/schema/network.ts';
import type { Snapshot } from '../src/schema/snapshot.ts';
import type { IndicatorHit, IndicatorKind, IntelLookup, Provenance } from '../src/types.ts';

/** A clean, healthy Android snapshot: every detector must find nothing in it. */
export function cleanAndroidSnapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    schemaVersion: 1,
    collectedAt: '2026-11-25T18:00:00.000Z',
    device: {
      platform: 'android',
      osVersion: '16',
      securityPatch: '2026-11-01',
      model: 'Pixel 9',
      manufacturer: 'Google',
      buildFingerprint: 'google/tokay/tokay:16/BP3A.251105.015/1:user/release-keys',
      agentVersion: '1.0.0',
    },
    integrity: {
      rooted: false,
      bootloaderLocked: true,
      verifiedBootState: 'green',
      selinux: 'enforcing',
      developerOptions: false,
      usbDebugging: false,
      unknownSources: false,
      screenLock: true,
      encrypted: true,
      appVerification: true,
      attestation: { verdict: 'pass', method: 'android-key-attestation', securityLevel: 'strongbox' },
    },
    apps: [
      cleanApp({ id: 'com.google.android.gm', name: 'Gmail', system: true, installer: null }),
      cleanApp({ id: 'com.whatsapp', name: 'WhatsApp' }),
      cleanApp({
        id: 'com.example.bank',
        name: 'Example Bank',
        permissions: ['android.permission.INTERNET', 'android.permission.CAMERA'],
      }),
    ],
    network: cleanNetwork(),
    visitedDomains: [{ domain: 'www.example.com', at: '2026-11-25T17:59:00.000Z' }],
    ...overrides,
  };
}

/** A clean iOS snapshot. */
export function cleanIosSnapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    schemaVersion: 1,
    collectedAt: '2026-11-25T18:00:00.000Z',
    device: {
      platform: 'ios',
      osVersion: '26.1',
      osBuild: '23B85',
      model: 'iPhone17,1',
      manufacturer: 'Apple',
      agentVersion: '1.0.0',
    },
    integrity: {
      jailbroken: false,
      developerOptions: false,
      screenLock: true,
      encrypted: true,
      attestation: { verdict: 'pass', method: 'app-attest' },
    },
    apps: [cleanApp({ id: 'com.apple.mobilemail', name: 'Mail', system: true, installer: null })],
    network: { ...cleanNetwork(), iosProfiles: [] },
    ...overrides,
  };
}

/** A store-installed, harmless app with the given fields. */
export function cleanApp(fields: Partial<App> & { id: string }): App {
  return {
    name: fields.id,
    version: '1.0',
    installer: 'com.android.vending',
    certSha256: 'aa'.repeat(32),
    certSha1: 'bb'.repeat(20),
    fileSha256: 'cc'.repeat(32),
    permissions: ['android.permission.INTERNET'],
    system: false,
    ...fields,
  };
}

/** A clean WPA2 home network with consistent gateway history and passing probes. */
export function cleanNetwork(fields: Partial<Network> = {}): Network {
  return {
    connection: 'wifi',
    wifi: { ssid: 'HomeNet', bssid: '10:20:30:40:50:60', security: 'wpa2', captivePortal: false },
    dns: { servers: ['192.168.1.1'] },
    tlsProbes: [
      {
        host: 'riskgate.example.com',
        observedSpkiSha256: 'dd'.repeat(32),
        expectedSpkiSha256: ['dd'.repeat(32)],
        verdict: 'ok',
      },
    ],
    downgradeProbes: [{ host: 'riskgate.example.com', finalScheme: 'https' }],
    gatewayMacHistory: [
      {
        bssid: '10:20:30:40:50:60',
        ip: '192.168.1.1',
        mac: '00:11:22:33:44:55',
        at: '2026-11-25T10:00:00.000Z',
      },
      {
        bssid: '10:20:30:40:50:60',
        ip: '192.168.1.1',
        mac: '00:11:22:33:44:55',
        at: '2026-11-25T17:00:00.000Z',
      },
    ],
    userCaCertificates: [],
    ...fields,
  };
}

/** One entry of the fake intel: `[kind, value, provenance]`. Values are given normalised. */
export type FakeIndicator = readonly [IndicatorKind, string, Provenance];

/**
 * A tiny in-memory `IntelLookup` with the same normalisation contract as the real index
 * (lower-case; domains walk up to the registrable parent, never a bare TLD).
 */
export function fakeIntel(indicators: readonly FakeIndicator[] = []): IntelLookup {
  const byKey = new Map<string, Provenance[]>();
  for (const [kind, value, provenance] of indicators) {
    const key = `${kind}\u0000${value.toLowerCase()}`;
    const list = byKey.get(key);
    if (list) list.push(provenance);
    else byKey.set(key, [provenance]);
  }
  const find = (kind: IndicatorKind, value: string): IndicatorHit | undefined => {
    const direct = byKey.get(`${kind}\u0000${value}`);
    if (direct) return { kind, value, provenance: direct };
    const normalised = value.toLowerCase().replace(/\.$/, '');
    const provenance = byKey.get(`${kind}\u0000${normalised}`);
    return provenance ? { kind, value: normalised, provenance } : undefined;
  };
  return {
    find,
    findDomain(host) {
      let current = host.toLowerCase().replace(/\.$/, '');
      while (current.includes('.')) {
        const hit = find('domain', current);
        if (hit) return hit;
        current = current.slice(current.indexOf('.') + 1);
      }
      return undefined;
    },
  };
}

/** A detector context around a snapshot, with default settings and an empty intel by default. */
export function detectorContext(
  snapshot: Snapshot,
  options: { intel?: IntelLookup; settings?: Partial<AssessSettings>; now?: Date } = {},
): DetectorContext {
  return {
    snapshot,
    intel: options.intel ?? fakeIntel(),
    now: options.now ?? new Date('2026-11-25T18:00:00.000Z'),
    settings: resolveAssessSettings(options.settings),
  };
}

/** `typeId:subject` of each finding, for compact assertions. */
export function keysOf(findings: readonly Finding[]): string[] {
  return findings.map((f) => (f.subject === undefined ? f.typeId : `${f.typeId}:${f.subject}`));
}
