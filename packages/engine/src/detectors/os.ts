import { eolStatus, findDeviceEolCycles } from '../intel/device-eol.ts';
import { compareVersions, normalizeAndroidVersion } from '../intel/normalize.ts';
import type { OsIntel } from '../intel/os-intel.ts';
import type { EolCycle } from '../intel/types.ts';
import type { DeviceInfo } from '../schema/device.ts';
import type { Evidence, ThreatRisk } from '../types.ts';
import type { Detector, DetectorContext, Finding } from './types.ts';

const DAY_MS = 86_400_000;

// No module-level memo of the last answer: the engine keeps no state between calls.
function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Android major version as endoflife.date / bulletins name it (`12L`, `13`). */
function androidVersion(device: DeviceInfo): string | undefined {
  return normalizeAndroidVersion(device.osVersion);
}

function iosMajor(device: DeviceInfo): string {
  return device.osVersion.trim().split('.')[0] ?? device.osVersion;
}

/**
 * Android security patch level older than the tenant's thresholds (`settings.patchAgeDays`): the
 * instance risk is the highest threshold the age reaches.
 */
export const detectPatchAge: Detector = ({ snapshot, now, settings }) => {
  const { device } = snapshot;
  if (device.platform !== 'android' || device.securityPatch === undefined) return [];
  const patched = Date.parse(`${device.securityPatch}T00:00:00Z`);
  if (Number.isNaN(patched)) return [];
  const ageDays = Math.floor((now.getTime() - patched) / DAY_MS);
  const { low, medium, high } = settings.patchAgeDays;
  const level: [ThreatRisk, number] | undefined =
    ageDays >= high
      ? ['high', high]
      : ageDays >= medium
        ? ['medium', medium]
        : ageDays >= low
          ? ['low', low]
          : undefined;
  if (level === undefined) return [];
  return [
    {
      typeId: 'os.patch-outdated',
      summary: `Security patch level ${device.securityPatch} is ${ageDays} days old`,
      risk: level[0],
      evidence: [
        {
          subject: 'security-patch',
          observed: device.securityPatch,
          detail: { ageDays, thresholdDays: level[1], risk: level[0] },
        },
      ],
      params: { patchLevel: device.securityPatch, ageDays: String(ageDays) },
    },
  ];
};

function eolEvidence(subject: string, observed: string, cycle: EolCycle, date: string | undefined): Evidence {
  const detail: Record<string, string> = { feed: cycle.feed, product: cycle.product, cycle: cycle.cycle };
  if (date !== undefined) detail.eol = date;
  if (cycle.latest !== undefined) detail.latest = cycle.latest;
  if (cycle.link !== undefined) detail.link = cycle.link;
  return { subject, observed, detail };
}

/** The endoflife.date OS cycle of the device (Android major incl. 12L = 12.1; iOS / iPadOS major). */
function osCycle(os: OsIntel, device: DeviceInfo): EolCycle | undefined {
  if (device.platform === 'android') return os.osEolCycle('android', androidVersion(device) ?? '');
  const major = iosMajor(device);
  return (
    (/ipad/i.test(device.model) ? os.osEolCycle('ipados', major) : undefined) ?? os.osEolCycle('ios', major)
  );
}

/** OS version whose security support has ended (endoflife.date). */
export const detectOsEndOfLife: Detector = ({ snapshot, intel, now }) => {
  const { device } = snapshot;
  if (intel.os === undefined) return [];
  const cycle = osCycle(intel.os, device);
  if (cycle === undefined) return [];
  const status = eolStatus(cycle, today(now));
  if (!status.ended) return [];
  const name = `${device.platform === 'android' ? 'Android' : 'iOS'} ${device.osVersion}`;
  return [
    {
      typeId: 'os.end-of-life',
      subject: `${device.platform}-${cycle.cycle}`,
      summary: `${name} no longer receives security updates${status.date === undefined ? '' : ` (since ${status.date})`}`,
      evidence: [eolEvidence('os-version', name, cycle, status.date)],
      params: { os: name, ...(status.date === undefined ? {} : { eol: status.date }) },
    },
  ];
};

/** Device model whose manufacturer no longer ships security updates (endoflife.date). */
export const detectDeviceEndOfLife: Detector = ({ snapshot, intel, now }) => {
  const { device } = snapshot;
  if (intel.os === undefined) return [];
  const day = today(now);
  for (const cycle of findDeviceEolCycles(intel.os, device)) {
    const status = eolStatus(cycle, day);
    if (!status.ended) continue;
    const label = cycle.label ?? cycle.cycle;
    return [
      {
        typeId: 'os.device-end-of-life',
        subject: device.model,
        summary: `${device.manufacturer} ${label} no longer receives security updates${status.date === undefined ? '' : ` (since ${status.date})`}`,
        evidence: [eolEvidence('device-model', device.model, cycle, status.date)],
        params: { model: label },
      },
    ];
  }
  return [];
};

function appliesTo(scope: string, manufacturer: string): boolean {
  const m = manufacturer.trim().toLowerCase();
  return (
    scope === 'android' || (scope === 'pixel' && m === 'google') || (scope === 'samsung' && m === 'samsung')
  );
}

function androidExposure(os: OsIntel, device: DeviceInfo): Evidence[] {
  const patch = device.securityPatch;
  if (patch === undefined) return [];
  const version = androidVersion(device);
  const evidence: Evidence[] = [];
  for (const vuln of os.exploitedAndroid) {
    if (patch >= vuln.fixedPatchLevel || !appliesTo(vuln.scope, device.manufacturer)) continue;
    if (vuln.androidVersions.length > 0 && (version === undefined || !vuln.androidVersions.includes(version)))
      continue;
    const detail: Record<string, string> = {
      cve: vuln.cveId,
      fixedIn: vuln.fixedPatchLevel,
      name: vuln.kev.name,
      kevDateAdded: vuln.kev.dateAdded,
      feed: vuln.feeds.join('+'),
    };
    if (vuln.records.length > 0) detail.records = vuln.records.join(',');
    if (vuln.reference !== undefined) detail.reference = vuln.reference;
    evidence.push({ subject: 'security-patch', observed: patch, detail });
  }
  return evidence;
}

function iosExposure(os: OsIntel, device: DeviceInfo): Evidence[] {
  const major = iosMajor(device);
  const current = device.osVersion.trim();
  // CVEs already fixed at or below the device's version (some releases list a CVE again).
  const fixed = new Set<string>();
  for (const release of os.iosReleases(major)) {
    if (compareVersions(release.version, current) <= 0) for (const cve of release.cves) fixed.add(cve);
  }
  const evidence: Evidence[] = [];
  for (const { release, exploitedCves } of os.exploitedIosReleases(major)) {
    if (compareVersions(release.version, current) <= 0) continue;
    if (release.supportedDevices.length > 0 && !release.supportedDevices.includes(device.model)) continue;
    const cves = exploitedCves.filter((cve) => !fixed.has(cve));
    if (cves.length === 0) continue;
    const detail: Record<string, string> = {
      release: release.version,
      cves: cves.join(','),
      feed: release.feed,
    };
    if (release.releaseDate !== undefined) detail.releasedOn = release.releaseDate;
    if (release.reference !== undefined) detail.reference = release.reference;
    evidence.push({ subject: 'os-version', observed: current, detail });
  }
  return evidence;
}

/**
 * Known-exploited vulnerabilities the device is exposed to. Android: CISA KEV joined with Android
 * OSV / CVE records, by OS version and security patch level (Pixel / Samsung bulletins only for
 * those makers). iOS: SOFA: the device's version predates a release of its line that fixed an
 * actively exploited CVE.
 */
export const detectExploitedVulnerabilities: Detector = ({ snapshot, intel }) => {
  const { device } = snapshot;
  if (intel.os === undefined) return [];
  const evidence =
    device.platform === 'android' ? androidExposure(intel.os, device) : iosExposure(intel.os, device);
  if (evidence.length === 0) return [];
  const cves = evidence
    .flatMap((e) => String(e.detail?.cve ?? e.detail?.cves ?? '').split(','))
    .filter((c) => c !== '');
  const shown = cves.slice(0, 3).join(', ');
  return [
    {
      typeId: 'os.exploited-vulnerability',
      summary: `Exposed to ${cves.length} actively exploited ${cves.length === 1 ? 'vulnerability' : 'vulnerabilities'} (${shown}${cves.length > 3 ? ', …' : ''})`,
      evidence,
      params: { cves: cves.join(', ') },
    },
  ];
};

/** The OS detectors: patch age, end-of-life OS and device model, known-exploited vulnerabilities. */
export const osDetectors: Detector[] = [
  detectPatchAge,
  detectOsEndOfLife,
  detectDeviceEndOfLife,
  detectExploitedVulnerabilities,
];

/** Runs every OS detector (handy for tests and callers that want OS findings only). */
export function detectOsThreats(ctx: DetectorContext): Finding[] {
  return osDetectors.flatMap((detector) => detector(ctx));
}
