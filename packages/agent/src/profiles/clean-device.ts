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

/**
 * Samsung phones report their model code (`SM-S921B`), which endoflife.date does not list: no device
 * end of life applies to them, on any date.
 */
const SAMSUNG_MODELS = [
  { manufacturer: 'samsung', model: 'SM-S921B', codename: 'e1s' },
  { manufacturer: 'samsung', model: 'SM-S928B', codename: 'e3q' },
] as const;

/** How many of the newest still-supported Pixels a clean fleet is spread over. */
const NEWEST_PIXELS = 4;

/**
 * Pixels still receiving security updates at `now`, newest first, chosen from the end-of-life data
 * itself (a hard-coded "Pixel 8" turns into an end-of-life device in October 2030). The data is cut on
 * one day and every phone it lists ends some day: when none is still supported at `now`, the phone is
 * one released after the data was cut (one number above the newest listed), which the data cannot
 * know, exactly as the engine treats any phone newer than its feed.
 */
function supportedPixels(
  intel: ProfileIntel,
  now: Date,
): { manufacturer: string; model: string; codename: string }[] {
  const today = now.toISOString().slice(0, 10);
  const supported = intel.pixelModels
    .filter((pixel) => pixel.eol === false || pixel.eol > today)
    .slice(0, NEWEST_PIXELS)
    .map((pixel) => ({ manufacturer: 'Google', model: pixel.label, codename: pixel.cycle }));
  if (supported.length > 0) return supported;
  const newest = Math.max(0, ...intel.pixelModels.map((pixel) => Number(/\d+/.exec(pixel.label)?.[0] ?? 0)));
  return [{ manufacturer: 'Google', model: `Pixel ${newest + 1}`, codename: `pixel${newest + 1}` }];
}

/** iPhones: endoflife.date lists the ones below as supported with no end date (`eol: false`). */
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

/**
 * The security patch level Android devices get: the first or fifth of a month, the newest one on or
 * before `daysAgo` days before `now`. Rounding down to that day adds up to 26 days to the age.
 */
export function patchLevel(now: Date, daysAgo: number): string {
  const date = new Date(now.getTime() - daysAgo * 86_400_000);
  const day = date.getUTCDate() >= 5 ? '05' : '01';
  return `${date.toISOString().slice(0, 8)}${day}`;
}

/** Whether a release is still supported at `now` (`eol` false, or a security end after `now`). */
const supportedAt = (eol: string | false, now: Date): boolean =>
  eol === false || eol > now.toISOString().slice(0, 10);

/**
 * The Android release a clean phone runs, chosen from the end-of-life data at `now` (never a fixed
 * number that expires): the second newest supported cycle, what most fleets run (the newest may be
 * brand new).
 */
export function supportedAndroid(intel: ProfileIntel, now: Date): string {
  const supported = intel.androidReleases
    .filter((release) => supportedAt(release.eol, now))
    .map((release) => release.cycle);
  return supported[1] ?? supported[0] ?? '16';
}

/** The latest version of the newest iOS cycle supported at `now` (end-of-life data, newest first). */
export function supportedIos(intel: ProfileIntel, now: Date): string {
  return intel.iosReleases.find((release) => supportedAt(release.eol, now))?.latest ?? '26.6.1';
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
  const model = rng.pick([...supportedPixels(ctx.intel, now), ...SAMSUNG_MODELS]);
  const osVersion = supportedAndroid(ctx.intel, now);
  // 3-25 days, plus up to 26 of rounding to the patch day: under 52 days, inside the default 60-day
  // "low" patch age (settings.patchAgeDays), on any `now`.
  const securityPatch = patchLevel(now, rng.int(3, 25));
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
    osVersion: supportedIos(ctx.intel, now),
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
