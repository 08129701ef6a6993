import type { App, KnownNetwork, RiskLevel, Snapshot } from '@riskgate/engine';
import {
  cleanAndroid,
  cleanIntegrity,
  cleanIos,
  cleanNetwork,
  type ProfileContext,
  passingAttestation,
  patchLevel,
  supportedAndroid,
} from './clean-device.ts';

/** Names accepted by `--mix` and `generateDevice`. */
export const PROFILE_NAMES = [
  'clean',
  'clean-ios',
  'stalkerware',
  'spyware',
  'rooted',
  'jailbroken',
  'no-screen-lock',
  'old-patch',
  'eol-os',
  'mitm',
  'rogue-ap',
  'open-wifi',
  'phishing',
  'c2',
] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Tenant settings a profile's expectation depends on (e.g. the known network a rogue AP imitates). */
export interface ProfileSettings {
  readonly knownNetworks?: readonly KnownNetwork[];
}

/** One built profile: the snapshot, what the engine should find, and how to fix it. */
export interface ProfileBuild {
  readonly snapshot: Snapshot;
  /** Threat type ids that must be active (others may appear, e.g. `app.sideloaded` next to stalkerware). */
  readonly expectedThreats: readonly string[];
  readonly expectedRisk: RiskLevel;
  readonly settings?: ProfileSettings;
  /** What the user does to fix it (uninstall, leave the network, update): a snapshot that is clean again. */
  remediate(snapshot: Snapshot): Snapshot;
}

type Builder = (ctx: ProfileContext) => ProfileBuild;

/**
 * The company Wi-Fi the `rogue-ap` profile imitates (same SSID, weaker security, an access point not
 * in the list). A tenant must list it in its known networks for the imitation to be detected; the
 * server's demo tenant does (`DEMO_KNOWN_NETWORK`).
 */
export const ROGUE_AP_IMITATES: KnownNetwork = {
  ssid: 'Acme-Corp',
  security: 'wpa2-enterprise',
  bssids: ['8c:3b:ad:41:7e:02', '8c:3b:ad:41:7e:12'],
};

const removeApps = (snapshot: Snapshot, ids: readonly string[]): Snapshot => ({
  ...snapshot,
  apps: snapshot.apps.filter((app) => !ids.includes(app.id)),
});

/** Leaving a risky Wi-Fi: the phone falls back to cellular with good probes. */
const leaveNetwork =
  (ctx: ProfileContext) =>
  (snapshot: Snapshot): Snapshot => {
    const spki = ctx.rng.hex(32);
    return {
      ...snapshot,
      network: {
        connection: 'cellular',
        vpn: { active: false },
        dns: { servers: ['2001:4860:4860::8888'] },
        tlsProbes: [
          { host: 'probe.riskgate.dev', observedSpkiSha256: spki, expectedSpkiSha256: [spki], verdict: 'ok' },
        ],
      },
    };
  };

const clean = (snapshot: Snapshot): ProfileBuild => ({
  snapshot,
  expectedThreats: [],
  expectedRisk: 'secured',
  remediate: (current) => current,
});

/** A sideloaded app that hides itself and holds the powers stalkerware needs. */
function hiddenApp(ctx: ProfileContext, app: Pick<App, 'id'> & Partial<App>): App {
  const installed = new Date(ctx.now.getTime() - ctx.rng.int(2, 60) * 86_400_000).toISOString();
  return {
    version: `${ctx.rng.int(1, 9)}.${ctx.rng.int(0, 20)}`,
    installer: null,
    system: false,
    fileSha256: ctx.rng.hex(32),
    permissions: [
      'android.permission.ACCESS_FINE_LOCATION',
      'android.permission.INTERNET',
      'android.permission.READ_CALL_LOG',
      'android.permission.READ_CONTACTS',
      'android.permission.READ_SMS',
      'android.permission.RECEIVE_BOOT_COMPLETED',
      'android.permission.RECORD_AUDIO',
    ],
    specialAccess: ['accessibility', 'device-admin', 'notification-listener'],
    firstInstallTime: installed,
    lastUpdateTime: installed,
    ...app,
  };
}

const BUILDERS: Readonly<Record<ProfileName, Builder>> = {
  clean: (ctx) => clean(cleanAndroid(ctx)),
  'clean-ios': (ctx) => clean(cleanIos(ctx)),

  stalkerware: (ctx) => {
    const base = cleanAndroid(ctx);
    const entry = ctx.rng.pick(ctx.intel.stalkerware);
    const app = hiddenApp(ctx, {
      id: entry.packageId,
      certSha1: entry.certSha1,
      certSha256: ctx.rng.hex(32),
      name: 'System Service',
    });
    return {
      snapshot: {
        ...base,
        apps: [...base.apps, app],
        integrity: { ...base.integrity, unknownSources: true },
      },
      expectedThreats: ['app.stalkerware', 'app.sideloaded', 'device.unknown-sources'],
      expectedRisk: 'high',
      remediate: (snapshot) => {
        const removed = removeApps(snapshot, [entry.packageId]);
        return { ...removed, integrity: { ...removed.integrity, unknownSources: false } };
      },
    };
  },

  spyware: (ctx) => {
    const base = cleanAndroid(ctx);
    const { appIds, certSha256 } = ctx.intel.spyware;
    const app = hiddenApp(ctx, {
      id: ctx.rng.pick(appIds),
      certSha256: ctx.rng.pick(certSha256),
      certSha1: ctx.rng.hex(20),
    });
    return {
      snapshot: { ...base, apps: [...base.apps, app] },
      expectedThreats: ['app.spyware'],
      expectedRisk: 'high',
      remediate: (snapshot) => removeApps(snapshot, [app.id]),
    };
  },

  rooted: (ctx) => {
    const base = cleanAndroid(ctx);
    const magisk: App = {
      id: 'com.topjohnwu.magisk',
      name: 'Magisk',
      version: '28.1',
      installer: null,
      system: false,
      certSha256: ctx.rng.hex(32),
      firstInstallTime: new Date(ctx.now.getTime() - 30 * 86_400_000).toISOString(),
    };
    const attestation = base.integrity.attestation;
    return {
      snapshot: {
        ...base,
        apps: [...base.apps, magisk],
        integrity: {
          ...base.integrity,
          rooted: true,
          rootIndicators: ['su binary at /system/bin/su', 'Magisk app installed (com.topjohnwu.magisk)'],
          bootloaderLocked: false,
          verifiedBootState: 'orange',
          ...(attestation === undefined
            ? {}
            : {
                attestation: {
                  ...attestation,
                  verdict: 'fail',
                  reason: 'bootloader unlocked, verified boot state unverified',
                  attestedBootloaderLocked: false,
                  attestedVerifiedBootState: 'orange',
                },
              }),
        },
      },
      expectedThreats: [
        'device.rooted',
        'device.bootloader-unlocked',
        'device.boot-not-verified',
        'device.attestation-failed',
      ],
      expectedRisk: 'high',
      // Re-flashing the stock image and relocking the bootloader.
      remediate: (snapshot) => ({
        ...removeApps(snapshot, [magisk.id]),
        integrity: cleanIntegrity(snapshot, ctx.now),
      }),
    };
  },

  jailbroken: (ctx) => {
    const base = cleanIos(ctx);
    return {
      snapshot: {
        ...base,
        integrity: {
          ...base.integrity,
          jailbroken: true,
          rootIndicators: [
            '/var/jb exists',
            'Sileo installed (/Applications/Sileo.app)',
            'fork() succeeded in the sandbox',
          ],
        },
      },
      expectedThreats: ['device.jailbroken'],
      expectedRisk: 'high',
      // Restoring iOS removes the jailbreak.
      remediate: (snapshot) => ({ ...snapshot, integrity: cleanIntegrity(snapshot, ctx.now) }),
    };
  },

  'no-screen-lock': (ctx) => {
    const base = ctx.rng.chance(0.5) ? cleanAndroid(ctx) : cleanIos(ctx);
    return {
      snapshot: { ...base, integrity: { ...base.integrity, screenLock: false } },
      expectedThreats: ['device.no-screen-lock'],
      expectedRisk: 'medium',
      remediate: (snapshot) => ({ ...snapshot, integrity: { ...snapshot.integrity, screenLock: true } }),
    };
  },

  'old-patch': (ctx) => {
    const base = cleanAndroid(ctx);
    const securityPatch = patchLevel(ctx.now, 365);
    const device = { ...base.device, securityPatch };
    return {
      snapshot: {
        ...base,
        device,
        integrity: { ...base.integrity, attestation: passingAttestation({ device }, ctx.now) },
      },
      expectedThreats: ['os.patch-outdated'],
      expectedRisk: 'high',
      remediate: (snapshot) => updateAndroid(snapshot, ctx),
    };
  },

  'eol-os': (ctx) => {
    const base = cleanAndroid(ctx);
    const today = ctx.now.toISOString().slice(0, 10);
    const ended = ctx.intel.androidReleases.filter((release) => release.eol !== false && release.eol < today);
    // The newest release whose support ended before `now`; the data lists many, and more with time.
    const release = ended[0] ?? { cycle: '12', eol: '2025-03-03' };
    const lastPatch = release.eol === false ? patchLevel(ctx.now, 400) : `${release.eol.slice(0, 8)}01`;
    // The newer release's build id and fingerprint do not apply to the old OS: leave them out. The
    // model stays the clean phone's (still supported by its maker at `now`), so updating the OS
    // is the whole fix; an old model would end up end-of-life itself as the calendar moves.
    const { buildFingerprint: _fingerprint, osBuild: _build, ...identity } = base.device;
    const device = { ...identity, osVersion: release.cycle, securityPatch: lastPatch };
    return {
      snapshot: {
        ...base,
        device,
        integrity: { ...base.integrity, attestation: passingAttestation({ device }, ctx.now) },
      },
      expectedThreats: ['os.end-of-life'],
      expectedRisk: 'high',
      remediate: (snapshot) => updateAndroid(snapshot, ctx),
    };
  },

  mitm: (ctx) => {
    const base = cleanAndroid(ctx);
    const network = base.network.connection === 'wifi' ? base.network : cleanNetwork(ctx.rng, ctx.now);
    const expected = ctx.rng.hex(32);
    return {
      snapshot: {
        ...base,
        network: {
          ...network,
          connection: 'wifi',
          wifi: network.wifi ?? { ssid: 'Airport-Free-WiFi', security: 'wpa2' },
          tlsProbes: [
            {
              host: 'probe.riskgate.dev',
              port: 443,
              observedSpkiSha256: ctx.rng.hex(32),
              expectedSpkiSha256: [expected],
              observedIssuer: 'CN=mitmproxy,O=mitmproxy',
              verdict: 'mismatch',
              at: ctx.now.toISOString(),
            },
          ],
        },
      },
      expectedThreats: ['network.tls-mitm'],
      expectedRisk: 'high',
      remediate: leaveNetwork(ctx),
    };
  },

  'rogue-ap': (ctx) => {
    const base = cleanAndroid(ctx);
    const known = ROGUE_AP_IMITATES;
    return {
      snapshot: {
        ...base,
        network: {
          ...leaveNetwork(ctx)(base).network,
          connection: 'wifi',
          wifi: {
            ssid: 'Acme-Corp',
            bssid: `de:ad:be:${ctx.rng.hex(1)}:${ctx.rng.hex(1)}:${ctx.rng.hex(1)}`,
            security: 'wpa2',
            frequencyMhz: 2437,
          },
        },
      },
      expectedThreats: ['network.rogue-access-point'],
      expectedRisk: 'high',
      settings: { knownNetworks: [known] },
      remediate: leaveNetwork(ctx),
    };
  },

  'open-wifi': (ctx) => {
    const base = ctx.rng.chance(0.5) ? cleanAndroid(ctx) : cleanIos(ctx);
    return {
      snapshot: {
        ...base,
        network: {
          ...leaveNetwork(ctx)(base).network,
          connection: 'wifi',
          wifi: {
            ssid: ctx.rng.pick(['CafeFree', 'Airport_Free_WiFi', 'Hotel-Guest', 'Starbucks WiFi']),
            bssid: `3c:84:6a:${ctx.rng.hex(1)}:${ctx.rng.hex(1)}:${ctx.rng.hex(1)}`,
            security: 'open',
            frequencyMhz: 2437,
          },
        },
      },
      expectedThreats: ['network.open-wifi'],
      expectedRisk: 'low',
      remediate: leaveNetwork(ctx),
    };
  },

  phishing: (ctx) => visitedProfile(ctx, ctx.rng.pick(ctx.intel.phishingDomains), 'web.phishing', 'medium'),
  c2: (ctx) => visitedProfile(ctx, ctx.rng.pick(ctx.intel.c2Domains).domain, 'network.c2-contact', 'high'),
};

/** The device visited `domain` a minute ago; remediation clears it from the recent history. */
function visitedProfile(ctx: ProfileContext, domain: string, threat: string, risk: RiskLevel): ProfileBuild {
  const base = cleanAndroid(ctx);
  return {
    snapshot: {
      ...base,
      visitedDomains: [
        ...(base.visitedDomains ?? []),
        { domain, at: new Date(ctx.now.getTime() - 60_000).toISOString() },
      ],
    },
    expectedThreats: [threat],
    expectedRisk: risk,
    remediate: (snapshot) => ({
      ...snapshot,
      visitedDomains: (snapshot.visitedDomains ?? []).filter((entry) => entry.domain !== domain),
    }),
  };
}

/** Installing the current OS release and patch (keeps the attestation consistent). */
function updateAndroid(snapshot: Snapshot, ctx: ProfileContext): Snapshot {
  const device = {
    ...snapshot.device,
    osVersion: supportedAndroid(ctx.intel, ctx.now),
    securityPatch: patchLevel(ctx.now, 10),
  };
  return {
    ...snapshot,
    device,
    integrity: { ...snapshot.integrity, attestation: passingAttestation({ device }, ctx.now) },
  };
}

/** Builds one profile. */
export function buildProfile(name: ProfileName, ctx: ProfileContext): ProfileBuild {
  return BUILDERS[name](ctx);
}
