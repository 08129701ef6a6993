import { evidenceFromHit, familyOf } from './evidence.ts';
import type { DetectorContext, Finding } from './types.ts';

/** Untrusted CA: a user-installed (not MDM-managed) CA certificate the tenant does not trust. */
export function detectUntrustedCa({ snapshot, settings }: DetectorContext): Finding[] {
  const cas = settings.lookups.trustedCaSha256;
  const findings: Finding[] = [];
  for (const ca of snapshot.network.userCaCertificates ?? []) {
    const sha = ca.sha256.toLowerCase();
    if (ca.managed === true || cas.has(sha)) continue;
    findings.push({
      typeId: 'network.untrusted-ca',
      subject: sha,
      summary: `Untrusted root certificate "${ca.subject}" is installed`,
      evidence: [
        {
          subject: 'ca-certificate',
          observed: sha,
          detail: { subject: ca.subject, issuer: ca.issuer ?? null },
        },
      ],
      params: { ca: ca.subject },
    });
  }
  return findings;
}

/** Payload types that let a profile intercept or redirect traffic. */
const RISKY_PAYLOADS: ReadonlySet<string> = new Set([
  'com.apple.security.root',
  'com.apple.security.pem',
  'com.apple.proxy.http.global',
  'com.apple.vpn.managed',
  'com.apple.dnsSettings.managed',
  'com.apple.webcontent-filter',
]);

/**
 * iOS profiles: a profile whose identifier or UUID is listed in intel (`profile-id`) is malicious (risk from the catalog). A
 * user-installed profile is also flagged, at `medium`, when it is not in `settings.allowedProfileIds`
 * and either that list is set or the profile carries a payload that can intercept traffic.
 */
export function detectProfiles({ snapshot, intel, settings }: DetectorContext): Finding[] {
  const profiles = settings.lookups.allowedProfileIds;
  const findings: Finding[] = [];
  for (const profile of snapshot.network.iosProfiles ?? []) {
    const id = profile.identifier;
    const name = profile.displayName ?? id;
    // MVT's configuration-profile indicators are matched against the profile's UUID
    // (PayloadUUID) as well as its identifier: reports list either.
    const byId = intel.find('profile-id', id);
    const uuid = profile.uuid;
    const hit = byId ?? (uuid === undefined ? undefined : intel.find('profile-id', uuid));
    if (hit !== undefined) {
      const evidence = evidenceFromHit(
        hit,
        byId !== undefined ? 'profile' : 'profile-uuid',
        byId !== undefined ? id : (uuid ?? id),
        () => true,
      );
      const family = familyOf(evidence);
      findings.push({
        typeId: 'network.malicious-profile',
        subject: id,
        ...(family ? { family } : {}),
        summary: `Malicious configuration profile "${name}"${family ? ` (${family})` : ''}`,
        evidence,
        params: { profile: name },
      });
      continue;
    }
    if (profile.managed === true || profiles.has(id)) continue;
    const risky = (profile.payloadTypes ?? []).filter((type) => RISKY_PAYLOADS.has(type));
    if (profiles.size === 0 && risky.length === 0) continue;
    findings.push({
      typeId: 'network.malicious-profile',
      subject: id,
      summary: `Unapproved configuration profile "${name}"${risky.length > 0 ? ` (${risky.join(', ')})` : ''}`,
      risk: 'medium',
      evidence: [
        {
          subject: 'profile',
          observed: id,
          detail: {
            organization: profile.organization ?? null,
            payloads: risky.join(',') || null,
            approved: false,
          },
        },
      ],
      params: { profile: name },
    });
  }
  return findings;
}
