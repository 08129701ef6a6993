import type { WifiSecurity } from '../schema/network.ts';
import type { Evidence } from '../types.ts';
import type { DetectorContext, Finding } from './types.ts';

/** Strength order of Wi-Fi security; `unknown` is not ranked. */
const SECURITY_RANK: Readonly<Record<Exclude<WifiSecurity, 'unknown'>, number>> = {
  open: 0,
  wep: 1,
  owe: 2,
  wpa: 3,
  wpa2: 4,
  'wpa2-enterprise': 5,
  wpa3: 5,
  'wpa3-enterprise': 6,
};

/** True when `observed` is strictly weaker than `expected` (unknown never is). */
export function isWeakerSecurity(observed: WifiSecurity, expected: WifiSecurity): boolean {
  if (observed === 'unknown' || expected === 'unknown') return false;
  return SECURITY_RANK[observed] < SECURITY_RANK[expected];
}

/**
 * Wi-Fi: open and WEP networks (not flagged while a VPN is active: the VPN protects the traffic), and
 * rogue access points: a known SSID (settings) seen with weaker security or from an unknown BSSID.
 */
export function detectWifi({ snapshot, settings }: DetectorContext): Finding[] {
  const { wifi, vpn, connection } = snapshot.network;
  if (wifi === undefined || (connection !== 'wifi' && connection !== 'unknown')) return [];
  const findings: Finding[] = [];
  const ssid = wifi.ssid;
  const params = { ssid: ssid === '' ? 'this Wi-Fi network' : ssid };
  const wifiEvidence: Evidence = {
    subject: 'wifi',
    observed: ssid,
    detail: { bssid: wifi.bssid ?? null, security: wifi.security },
  };
  const vpnActive = vpn?.active === true;
  if (!vpnActive && wifi.security === 'open') {
    findings.push({
      typeId: 'network.open-wifi',
      subject: ssid,
      summary: `Connected to open Wi-Fi "${ssid}"`,
      evidence: [wifiEvidence],
      params,
    });
  }
  if (!vpnActive && wifi.security === 'wep') {
    findings.push({
      typeId: 'network.wep-wifi',
      subject: ssid,
      summary: `Connected to WEP Wi-Fi "${ssid}"`,
      evidence: [wifiEvidence],
      params,
    });
  }
  const known = settings.knownNetworks.find((network) => network.ssid === ssid);
  if (known !== undefined) {
    const weaker = isWeakerSecurity(wifi.security, known.security);
    const bssid = wifi.bssid?.toLowerCase();
    const unknownBssid =
      bssid !== undefined &&
      known.bssids !== undefined &&
      known.bssids.length > 0 &&
      !known.bssids.some((b) => b.toLowerCase() === bssid);
    if (weaker || unknownBssid) {
      const reasons = [
        weaker ? `security ${wifi.security} instead of ${known.security}` : '',
        unknownBssid ? `unknown access point ${bssid}` : '',
      ]
        .filter((r) => r !== '')
        .join(', ');
      findings.push({
        typeId: 'network.rogue-access-point',
        subject: bssid ? `${ssid}@${bssid}` : ssid,
        summary: `Wi-Fi "${ssid}" imitates a known network: ${reasons}`,
        evidence: [
          {
            subject: 'wifi',
            observed: ssid,
            detail: {
              bssid: bssid ?? null,
              security: wifi.security,
              expectedSecurity: known.security,
              weaker,
              unknownBssid,
            },
          },
        ],
        params,
      });
    }
  }
  return findings;
}

/**
 * ARP spoofing: the gateway (same BSSID and gateway IP) answered with a different MAC address, the
 * newer observation being within `settings.gatewayChangeWindowHours` of `now`.
 */
export function detectArpSpoofing({ snapshot, now, settings }: DetectorContext): Finding[] {
  const history = snapshot.network.gatewayMacHistory;
  if (history === undefined || history.length < 2) return [];
  const since = now.getTime() - settings.gatewayChangeWindowHours * 3_600_000;
  const lastMac = new Map<string, string>();
  const changes = new Map<string, { bssid: string; ip: string; macs: Set<string> }>();
  for (const entry of history) {
    const bssid = entry.bssid?.toLowerCase() ?? 'unknown';
    const key = `${bssid}|${entry.ip}`;
    const mac = entry.mac.toLowerCase();
    const previous = lastMac.get(key);
    lastMac.set(key, mac);
    if (previous === undefined || previous === mac || Date.parse(entry.at) < since) continue;
    const change = changes.get(key) ?? { bssid, ip: entry.ip, macs: new Set<string>() };
    change.macs.add(previous).add(mac);
    changes.set(key, change);
  }
  const ssid = snapshot.network.wifi?.ssid;
  const findings: Finding[] = [];
  for (const { bssid, ip, macs } of changes.values()) {
    const list = [...macs].join(', ');
    findings.push({
      typeId: 'network.arp-spoofing',
      subject: bssid === 'unknown' ? ip : bssid,
      summary: `Gateway ${ip} changed hardware address (${list})`,
      evidence: [{ subject: 'gateway', observed: ip, detail: { bssid, macs: list } }],
      params: { ssid: ssid ?? 'this Wi-Fi network' },
    });
  }
  return findings;
}
