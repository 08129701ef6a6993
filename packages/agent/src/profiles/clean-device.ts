import type { Attestation, Integrity, Network, Snapshot } from '@riskgate/engine';
import { generateApps } from './app-catalog.ts';
import type { ProfileIntel } from './datasets.ts';
import type { Rng } from './rng.ts';

/** What every profile builder receives. */
export interface ProfileContext {
  readonly rng: Rng;
  readonly intel: ProfileIntel;
  readonly now: Date;
  readonly agentVersion: string;
  /** Leave the app inventory empty (describing a device for enrollment needs no apps; saves ~3 ms). */
  readonly skipApps?: boolean;
}

const ANDROID_MODELS = [
  { manufacturer: 'Google', model: 'Pixel 8', codename: 'shiba' },
  { manufacturer: 'Google', model: 'Pixel 9', codename: 'tokay' },
  { manufacturer: 'Google', model: 'Pixel 8 Pro', codename: 'husky' },
  { manufacturer: 'samsung', model: 'SM-S921B', codename: 'e1s' },
  { manufacturer: 'samsung', model: 'SM-S928B', codename: 'e3q' },
] as const;

const IOS_MODELS = ['iPhone 15', 'iPhone 15 Pro', 'iPhone 16', 'iPhone 16 Pro Max'];

const BENIGN_DOMAINS = [
  'www.google.com',
  'mail.google.com',
  'www.wikipedia.org',
  'en.wikipedia.org',
  'www.bbc.co.uk',
  'github.com',
  'outlook.office365.com',
  'login.microsoftonline.com',
  'www.nytimes.com',
  'www.amazon.com',
  'www.youtube.com',
  'open.spotify.com',
  'www.linkedin.com',
  'news.ycombinator.com',
  'www.theguardian.com',
  'weather.com',
];

/** The security patch level Android devices get: the first or fifth of a month. */
export function patchLevel(now: Date, daysAgo: number): string {
  const date = new Date(now.getTime() - daysAgo * 86_400_000);
  const day = date.getUTCDate() >= 5 ? '05' : '01';
  return `${date.toISOString().slice(0, 8)}${day}`;
}

/** The newest supported Android release (eol false) that is not a future preview. */
export function supportedAndroid(intel: ProfileIntel): string {
  const supported = intel.androidReleases
    .filter((release) => release.eol === false)
    .map((release) => release.cycle);
  // The newest cycle may be brand new; the second newest is what most fleets run.
  return supported[1] ?? supported[0] ?? '15';
}

export function supportedIos(intel: ProfileIntel): string {
  return intel.iosReleases.find((release) => release.eol === false)?.latest ?? '18.7.10';
}

/** A passing attestation that agrees with the reported state (so no attestation-mismatch). */
export function passingAttestation(snapshot: Pick<Snapshot, 'device'>, now: Date): Attestation {
  if (snapshot.device.platform === 'ios')
    return { verdict: 'pass', method: 'app-attest', checkedAt: now.toISOString() };
  return {
    verdict: 'pass',
    method: 'android-key-attestation',
    securityLevel: 'trusted-environment',
    attestedBootloaderLocked: true,
    attestedVerifiedBootState: 'green',
    ...(snapshot.device.securityPatch === undefined
      ? {}
      : { attestedSecurityPatch: snapshot.device.securityPatch }),
    attestedOsVersion: snapshot.device.osVersion,
    checkedAt: now.toISOString(),
  };
}

export function cleanIntegrity(snapshot: Pick<Snapshot, 'device'>, now: Date): Integrity {
  const common = { screenLock: true, encrypted: true, attestation: passingAttestation(snapshot, now) };
  if (snapshot.device.platform === 'ios') return { jailbroken: false, ...common };
  return {
    rooted: false,
    bootloaderLocked: true,
    verifiedBootState: 'green',
    selinux: 'enforcing',
    developerOptions: false,
    usbDebugging: false,
    unknownSources: false,
    appVerification: true,
    ...common,
  };
}

function mac(rng: Rng): string {
  // Locally administered bit off, a plausible vendor-ish first octet.
  return [
    rng.pick(['00', '3c', '64', '8c', 'a4', 'dc', 'f0']),
    ...Array.from({ length: 5 }, () => rng.hex(1)),
  ].join(':');
}

/** A safe network: home / office WPA2-WPA3 Wi-Fi with clean TLS probes, or cellular. */
export function cleanNetwork(rng: Rng, now: Date): Network {
  const spki = rng.hex(32);
  const probes = [
    {
      host: 'probe.riskgate.dev',
      port: 443,
      observedSpkiSha256: spki,
      expectedSpkiSha256: [spki],
      verdict: 'ok' as const,
      at: now.toISOString(),
    },
  ];
  if (rng.chance(0.25)) {
    return {
      connection: 'cellular',
      vpn: { active: false },
      dns: { servers: ['2001:4860:4860::8888'], privateDnsMode: 'opportunistic' },
      tlsProbes: probes,
    };
  }
  const gateway = `192.168.${rng.int(0, 50)}.1`;
  const bssid = mac(rng);
  return {
    connection: 'wifi',
    wifi: {
      ssid: `${rng.pick(['HOME', 'Livebox', 'FRITZ!Box', 'NETGEAR', 'TP-Link'])}-${rng.hex(2).toUpperCase()}`,
      bssid,
      security: rng.pick(['wpa2', 'wpa3'] as const),
      frequencyMhz: rng.pick([2437, 5180, 5500]),
    },
    vpn: { active: false },
    dns: { servers: [gateway], privateDnsMode: 'opportunistic' },
    tlsProbes: probes,
    downgradeProbes: [{ host: 'probe.riskgate.dev', finalScheme: 'https', at: now.toISOString() }],
    gatewayMacHistory: [
      { bssid, ip: gateway, mac: mac(rng), at: new Date(now.getTime() - 3_600_000).toISOString() },
    ],
  };
}

function visited(rng: Rng, now: Date): NonNullable<Snapshot['visitedDomains']> {
  return rng
    .sample(BENIGN_DOMAINS, rng.int(3, 8))
    .map((domain, index) => ({ domain, at: new Date(now.getTime() - (10 - index) * 600_000).toISOString() }));
}

/** A clean, current Android phone: supported OS, recent patch, store apps, locked bootloader. */
export function cleanAndroid(ctx: ProfileContext): Snapshot {
  const { rng, now } = ctx;
  const model = rng.pick(ANDROID_MODELS);
  const osVersion = supportedAndroid(ctx.intel);
  const securityPatch = patchLevel(now, rng.int(5, 40));
  const build = `BP${rng.int(1, 4)}A.${securityPatch.slice(2, 4)}${securityPatch.slice(5, 7)}05.${rng.int(1, 30).toString().padStart(3, '0')}`;
  const device: Snapshot['device'] = {
    platform: 'android',
    osVersion,
    osBuild: build,
    securityPatch,
    model: model.model,
    manufacturer: model.manufacturer,
    buildFingerprint: `${model.manufacturer.toLowerCase()}/${model.codename}/${model.codename}:${osVersion}/${build}/${rng.int(10_000_000, 13_999_999)}:user/release-keys`,
    agentVersion: ctx.agentVersion,
  };
  return {
    schemaVersion: 1,
    collectedAt: now.toISOString(),
    device,
    integrity: cleanIntegrity({ device }, now),
    apps: ctx.skipApps ? [] : generateApps(rng, now, 'android'),
    network: cleanNetwork(rng, now),
    visitedDomains: visited(rng, now),
  };
}

/** A clean, current iPhone. */
export function cleanIos(ctx: ProfileContext): Snapshot {
  const { rng, now } = ctx;
  const device: Snapshot['device'] = {
    platform: 'ios',
    osVersion: supportedIos(ctx.intel),
    model: rng.pick(IOS_MODELS),
    manufacturer: 'Apple',
    agentVersion: ctx.agentVersion,
  };
  return {
    schemaVersion: 1,
    collectedAt: now.toISOString(),
    device,
    integrity: cleanIntegrity({ device }, now),
    apps: ctx.skipApps ? [] : generateApps(rng, now, 'ios'),
    network: cleanNetwork(rng, now),
    visitedDomains: visited(rng, now),
  };
}
