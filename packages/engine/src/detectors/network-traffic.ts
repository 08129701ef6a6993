import { normalizeHost } from './host.ts';
import type { DetectorContext, Finding } from './types.ts';

function ssidParams(ctx: DetectorContext): Record<string, string> {
  const ssid = ctx.snapshot.network.wifi?.ssid;
  return { ssid: ssid ? ssid : 'this network' };
}

/**
 * TLS man-in-the-middle: a TLS probe whose observed key is not among the expected pins, or whose
 * agent verdict is `mismatch` / `untrusted`. `error` probes (no connectivity) raise nothing.
 */
export function detectTlsInterception(ctx: DetectorContext): Finding[] {
  const findings: Finding[] = [];
  for (const probe of ctx.snapshot.network.tlsProbes ?? []) {
    const expected = probe.expectedSpkiSha256?.map((pin) => pin.toLowerCase()) ?? [];
    const observed = probe.observedSpkiSha256?.toLowerCase();
    const pinMismatch = observed !== undefined && expected.length > 0 && !expected.includes(observed);
    const verdictBad = probe.verdict === 'mismatch' || probe.verdict === 'untrusted';
    if (!pinMismatch && !verdictBad) continue;
    const host = normalizeHost(probe.host);
    findings.push({
      typeId: 'network.tls-mitm',
      subject: host,
      summary: `TLS connection to ${host} was intercepted${probe.observedIssuer ? ` (issuer: ${probe.observedIssuer})` : ''}`,
      evidence: [
        {
          subject: 'tls-probe',
          observed: observed ?? probe.observedCertSha256 ?? probe.verdict ?? 'unknown',
          detail: {
            host,
            expected: expected.join(',') || null,
            issuer: probe.observedIssuer ?? null,
            verdict: probe.verdict ?? null,
          },
        },
      ],
      params: { ...ssidParams(ctx), host },
    });
  }
  return findings;
}

/** SSL stripping: a probe that must end on HTTPS ended on plain HTTP. */
export function detectSslStrip(ctx: DetectorContext): Finding[] {
  const findings: Finding[] = [];
  for (const probe of ctx.snapshot.network.downgradeProbes ?? []) {
    if (probe.finalScheme !== 'http') continue;
    const host = normalizeHost(probe.host);
    findings.push({
      typeId: 'network.ssl-strip',
      subject: host,
      summary: `The HTTPS redirect of ${host} was stripped`,
      evidence: [{ subject: 'downgrade-probe', observed: host, detail: { finalScheme: 'http' } }],
      params: { ...ssidParams(ctx), host },
    });
  }
  return findings;
}

/** Suspicious proxy: a manual, PAC or VPN proxy whose host is not allowed (MDM-set proxies are trusted). */
export function detectSuspiciousProxy(ctx: DetectorContext): Finding[] {
  const proxy = ctx.snapshot.network.proxy;
  if (proxy === undefined || proxy.source === 'mdm') return [];
  const target = proxy.host ?? proxy.pacUrl;
  if (target === undefined) return [];
  const host = proxy.host ? normalizeHost(proxy.host) : undefined;
  if (host !== undefined && ctx.settings.allowedProxyHosts.some((allowed) => allowed.toLowerCase() === host))
    return [];
  const label = host !== undefined ? `${host}${proxy.port !== undefined ? `:${proxy.port}` : ''}` : target;
  return [
    {
      typeId: 'network.suspicious-proxy',
      subject: label,
      summary: `Traffic goes through an unapproved proxy (${label})`,
      evidence: [
        {
          subject: 'proxy',
          observed: label,
          detail: { source: proxy.source ?? null, pacUrl: proxy.pacUrl ?? null },
        },
      ],
      params: { ...ssidParams(ctx), proxy: label },
    },
  ];
}

/**
 * DNS hijack: a DNS probe resolved a known name to none of its expected addresses, or, on a known
 * network (settings), the device uses DNS servers that are neither that network's nor trusted ones.
 */
export function detectDnsHijack(ctx: DetectorContext): Finding[] {
  const findings: Finding[] = [];
  const params = ssidParams(ctx);
  for (const probe of ctx.snapshot.network.dnsProbes ?? []) {
    if (probe.observed.length === 0 || probe.expected.length === 0) continue;
    if (probe.observed.some((ip) => probe.expected.includes(ip))) continue;
    const host = normalizeHost(probe.host);
    findings.push({
      typeId: 'network.dns-hijack',
      subject: host,
      summary: `${host} resolved to unexpected addresses (${probe.observed.join(', ')})`,
      evidence: [
        {
          subject: 'dns-probe',
          observed: probe.observed.join(','),
          detail: { host, expected: probe.expected.join(',') },
        },
      ],
      params,
    });
  }
  const { wifi, dns } = ctx.snapshot.network;
  const known = wifi ? ctx.settings.knownNetworks.find((network) => network.ssid === wifi.ssid) : undefined;
  if (known !== undefined && dns !== undefined) {
    const allowed = [...(known.dnsServers ?? []), ...ctx.settings.trustedDnsServers];
    const unexpected = allowed.length > 0 ? dns.servers.filter((server) => !allowed.includes(server)) : [];
    if (unexpected.length > 0) {
      findings.push({
        typeId: 'network.dns-hijack',
        subject: known.ssid,
        summary: `On "${known.ssid}" the device uses unexpected DNS servers (${unexpected.join(', ')})`,
        evidence: [
          { subject: 'dns', observed: unexpected.join(','), detail: { expected: allowed.join(',') } },
        ],
        params,
      });
    }
  }
  return findings;
}
