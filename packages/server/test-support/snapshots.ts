import type { App, Snapshot } from '@riskgate/engine';

/** A store-installed harmless app. */
export function storeApp(id: string): App {
  return {
    id,
    name: id,
    version: '1.0',
    installer: 'com.android.vending',
    certSha256: 'aa'.repeat(32),
    certSha1: 'bb'.repeat(20),
    fileSha256: 'cc'.repeat(32),
    permissions: ['android.permission.INTERNET'],
    system: false,
  };
}

/** A clean, healthy Android snapshot (the engine finds nothing in it), collected at `at`. */
export function cleanAndroidSnapshot(at: Date, apps: readonly App[] = []): Snapshot {
  return {
    schemaVersion: 1,
    collectedAt: at.toISOString(),
    device: {
      platform: 'android',
      osVersion: '16',
      securityPatch: at.toISOString().slice(0, 8).concat('01'),
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
    apps: [storeApp('com.whatsapp'), ...apps],
    network: {
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
      gatewayMacHistory: [],
      userCaCertificates: [],
    },
  };
}
