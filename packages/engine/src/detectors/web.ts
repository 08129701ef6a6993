import type { Evidence, IndicatorCategory, IndicatorHit } from '../types.ts';
import { evidenceFromHit, familyOf } from './evidence.ts';
import { normalizeHost } from './host.ts';
import type { DetectorContext, Finding } from './types.ts';

const isPhishing = (category: IndicatorCategory) => category === 'phishing';
const isMalicious = (category: IndicatorCategory) => category !== 'phishing';

function finding(typeId: string, subject: string, evidence: Evidence[], summary: string): Finding {
  const family = familyOf(evidence);
  // Two literals rather than conditional spreads (a spread copies through the slow clone path).
  return family
    ? {
        typeId,
        subject,
        family,
        summary: `${summary} (${family})`,
        evidence,
        params: { host: subject, family },
      }
    : { typeId, subject, summary, evidence, params: { host: subject } };
}

/** Adds the phishing and C2 findings of one hit on one observed host / address. */
function addHitFindings(
  findings: Finding[],
  hit: IndicatorHit,
  subject: string,
  evidenceSubject: string,
): void {
  const phishing = evidenceFromHit(hit, evidenceSubject, subject, isPhishing);
  if (phishing.length > 0)
    findings.push(finding('web.phishing', subject, phishing, `Visited phishing site ${subject}`));
  const c2 = evidenceFromHit(hit, evidenceSubject, subject, isMalicious);
  if (c2.length > 0) {
    // Feeds such as stalkerware-indicators list C2 hosts and vendor sites under the app's category.
    const category = c2[0]?.provenance?.category ?? 'c2';
    const what = category === 'c2' ? 'a malware command-and-control server' : `${category} infrastructure`;
    findings.push(finding('network.c2-contact', subject, c2, `Contacted ${subject}, listed as ${what}`));
  }
}

/**
 * Visited domains, the addresses their DNS answers gave, and remote connections checked against
 * intel: phishing domains → `web.phishing`; domains or IPs listed as C2 or malware infrastructure →
 * `network.c2-contact`. Hosts are
 * normalised (case, IDN, trailing dot); the domain lookup walks up to parent domains. Each host or
 * address is reported once however often it was visited.
 */
export function detectDomainsAndConnections({ snapshot, intel }: DetectorContext): Finding[] {
  const findings: Finding[] = [];
  const visited = snapshot.visitedDomains;
  const connections = snapshot.connections;
  if (
    (visited === undefined || visited.length === 0) &&
    (connections === undefined || connections.length === 0)
  ) {
    return findings;
  }
  // Only hits are remembered: a host that missed misses again, so repeats need no set lookup.
  let reported: Set<string> | undefined;
  if (visited !== undefined)
    for (const visit of visited) {
      const { domain, answers } = visit;
      // The addresses a DNS answer gave are checked like connections (an IP indicator of a C2).
      if (answers !== undefined) reported = checkAddresses(findings, intel, answers, reported, 'dns-answer');
      const hit =
        intel.findHost !== undefined ? intel.findHost(domain) : intel.findDomain(normalizeHost(domain));
      if (hit === undefined) continue;
      // Normalised only on a hit: `findHost` spares misses the separate pass.
      const host = normalizeHost(domain);
      if (reported?.has(host) === true) continue;
      reported ??= new Set();
      reported.add(host);
      addHitFindings(findings, hit, host, 'domain');
    }
  if (connections !== undefined)
    for (const { ip } of connections) {
      const address = ip.toLowerCase();
      const hit = intel.find('ip', address);
      if (hit === undefined || reported?.has(address) === true) continue;
      reported ??= new Set();
      reported.add(address);
      addHitFindings(findings, hit, address, 'connection');
    }
  return findings;
}

/** Adds the findings of the listed addresses among `addresses`; returns the set of reported values. */
function checkAddresses(
  findings: Finding[],
  intel: DetectorContext['intel'],
  addresses: readonly string[],
  reported: Set<string> | undefined,
  evidenceSubject: string,
): Set<string> | undefined {
  let seen = reported;
  for (const ip of addresses) {
    const address = ip.toLowerCase();
    const hit = intel.find('ip', address);
    if (hit === undefined || seen?.has(address) === true) continue;
    seen ??= new Set();
    seen.add(address);
    addHitFindings(findings, hit, address, evidenceSubject);
  }
  return seen;
}
