import { AdbParseError, requireOutput } from './adb-parse-error.ts';

/** Wi-Fi security as the engine names it (see the engine's `WifiSecurity`). */
export type ParsedWifiSecurity =
  | 'open'
  | 'owe'
  | 'wep'
  | 'wpa'
  | 'wpa2'
  | 'wpa2-enterprise'
  | 'wpa3'
  | 'wpa3-enterprise'
  | 'unknown';

/** The current Wi-Fi connection from `dumpsys wifi`, or `connected: false`. */
export interface ParsedWifi {
  readonly enabled: boolean;
  readonly connected: boolean;
  readonly ssid?: string;
  readonly bssid?: string;
  readonly security?: ParsedWifiSecurity;
  readonly frequencyMhz?: number;
}

/** What `dumpsys connectivity` says about the default network, VPN, proxy and DNS. */
export interface ParsedConnectivity {
  readonly connection: 'wifi' | 'cellular' | 'ethernet' | 'none' | 'unknown';
  readonly vpnActive: boolean;
  readonly vpnOwnerUid?: number;
  readonly proxy?: { readonly host?: string; readonly port?: number; readonly pacUrl?: string };
  readonly dnsServers: readonly string[];
  readonly privateDnsHost?: string;
  readonly usePrivateDns?: boolean;
}

/** `WifiInfo` security type numbers (Android 12+, `WifiInfo.SECURITY_TYPE_*`). */
const SECURITY_TYPES: Readonly<Record<string, ParsedWifiSecurity>> = {
  '0': 'open',
  '1': 'wep',
  '2': 'wpa2',
  '3': 'wpa2-enterprise',
  '4': 'wpa3',
  '5': 'wpa3-enterprise',
  '6': 'owe',
  '9': 'wpa3-enterprise',
  '11': 'wpa2-enterprise',
  '12': 'wpa3-enterprise',
};

/** `KeyMgmt:` of a configured network (Android 10/11 `WifiConfigManager` dump). */
function securityFromKeyMgmt(keyMgmt: string): ParsedWifiSecurity {
  const keys = keyMgmt.toUpperCase().split(/\s+/);
  if (keys.includes('SUITE_B_192') || keys.includes('WPA_EAP_SHA256')) return 'wpa3-enterprise';
  if (keys.includes('WPA_EAP') || keys.includes('IEEE8021X')) return 'wpa2-enterprise';
  if (keys.includes('SAE')) return 'wpa3';
  if (keys.includes('OWE')) return 'owe';
  if (keys.includes('WPA_PSK') || keys.includes('WPA_PSK_SHA256')) return 'wpa2';
  if (keys.includes('NONE')) return 'open';
  return 'unknown';
}

const WIFI_INFO = /mWifiInfo\s+(SSID: .*)$/m;

/**
 * Parses `dumpsys wifi` for the current connection (`mWifiInfo SSID: "…", BSSID: …, Security type: 2,
 * Supplicant state: COMPLETED, …, Frequency: 5180MHz`). Android versions without `Security type`
 * fall back to the `KeyMgmt:` of the configured network with the same SSID.
 */
export function parseDumpsysWifi(text: string): ParsedWifi {
  requireOutput('dumpsys wifi', text);
  const enabledLine = /^Wi-Fi is (enabled|disabled)/m.exec(text);
  const infoLine = WIFI_INFO.exec(text)?.[1];
  if (enabledLine === null && infoLine === undefined) {
    throw new AdbParseError(
      'dumpsys wifi',
      'neither `Wi-Fi is enabled|disabled` nor `mWifiInfo` found: truncated?',
    );
  }
  const enabled = enabledLine?.[1] !== 'disabled';
  if (infoLine === undefined) return { enabled, connected: false };
  const ssidMatch = /SSID: (?:"((?:[^"\\]|\\.)*)"|([^,]*)),/.exec(infoLine);
  const get = (label: string): string | undefined =>
    new RegExp(`${label}: ([^,]+)`).exec(infoLine)?.[1]?.trim();
  const state = get('Supplicant state');
  if (ssidMatch === null || state === undefined) {
    throw new AdbParseError(
      'dumpsys wifi',
      `mWifiInfo line lacks SSID or Supplicant state: ${infoLine.slice(0, 120)}`,
    );
  }
  const ssid = ssidMatch[1] ?? '';
  if (state !== 'COMPLETED' || ssidMatch[1] === undefined) return { enabled, connected: false };
  const bssid = get('BSSID');
  const frequency = Number.parseInt(get('Frequency') ?? '', 10);
  const typeNumber = get('Security type');
  let security: ParsedWifiSecurity =
    typeNumber === undefined ? 'unknown' : (SECURITY_TYPES[typeNumber] ?? 'unknown');
  if (typeNumber === undefined) {
    const config = new RegExp(
      `ID: \\d+ SSID: "${ssid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[\\s\\S]*?KeyMgmt: ([A-Z0-9_ ]+)`,
    ).exec(text);
    if (config?.[1] !== undefined)
      security = securityFromKeyMgmt(config[1].trim().split(/\s+Protocols/)[0] ?? '');
  }
  return {
    enabled,
    connected: true,
    ssid,
    ...(bssid !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(bssid) && bssid !== '02:00:00:00:00:00'
      ? { bssid: bssid.toLowerCase() }
      : {}),
    security,
    ...(Number.isInteger(frequency) ? { frequencyMhz: frequency } : {}),
  };
}

/** One `NetworkAgentInfo{…}` entry: its transports, link properties and owner. */
interface Agent {
  readonly id: string;
  readonly text: string;
}

function networkAgents(text: string): Agent[] {
  const agents: Agent[] = [];
  for (const line of text.split('\n')) {
    const match = /NetworkAgentInfo\{.*?network\{(\d+)\}/.exec(line);
    if (match?.[1] !== undefined) agents.push({ id: match[1], text: line });
  }
  return agents;
}

function transports(agent: Agent): string[] {
  const match = /Transports: ([A-Z_|]+)/.exec(agent.text);
  if (match?.[1] !== undefined) return match[1].split('|');
  const ni = /ni\{([A-Z_]+)/.exec(agent.text)?.[1];
  return ni === undefined ? [] : [ni === 'MOBILE' ? 'CELLULAR' : ni];
}

/**
 * Parses `dumpsys connectivity`: the default network (`Active default network: 100`), its transport,
 * DNS servers, HTTP proxy (`HttpProxy: [host] 8080 xl=` or `HttpProxy: PAC Script: url`), private
 * DNS, and whether a VPN network agent is connected.
 */
export function parseDumpsysConnectivity(text: string): ParsedConnectivity {
  requireOutput('dumpsys connectivity', text);
  const defaultId = /Active default network: (\w+)/.exec(text)?.[1];
  if (defaultId === undefined) {
    throw new AdbParseError(
      'dumpsys connectivity',
      'no `Active default network:` line: truncated or unexpected output',
    );
  }
  const agents = networkAgents(text);
  const vpn = agents.find((agent) => transports(agent).includes('VPN') && /CONNECTED/.test(agent.text));
  const vpnOwner =
    vpn === undefined ? undefined : Number.parseInt(/OwnerUid: (\d+)/.exec(vpn.text)?.[1] ?? '', 10);
  if (defaultId === 'none') {
    return { connection: 'none', vpnActive: vpn !== undefined, dnsServers: [] };
  }
  const active = agents.find((agent) => agent.id === defaultId);
  if (active === undefined) {
    throw new AdbParseError(
      'dumpsys connectivity',
      `default network ${defaultId} has no NetworkAgentInfo line`,
    );
  }
  const kinds = transports(active).filter((kind) => kind !== 'VPN');
  const underlying = kinds.length > 0 ? kinds : vpn === active ? [] : transports(active);
  const connection = underlying.includes('WIFI')
    ? 'wifi'
    : underlying.includes('CELLULAR')
      ? 'cellular'
      : underlying.includes('ETHERNET')
        ? 'ethernet'
        : 'unknown';
  const dnsList = /DnsAddresses: \[([^\]]*)\]/.exec(active.text)?.[1] ?? '';
  const dnsServers = dnsList
    .split(',')
    .map((entry) => entry.trim().replace(/^\//, ''))
    .filter((entry) => entry !== '');
  const pac = /HttpProxy: PAC Script: (\S+)/.exec(active.text)?.[1];
  const manual = /HttpProxy: \[([^\]]+)\] (\d+)/.exec(active.text);
  const privateDnsHost = /PrivateDnsServerName: ([A-Za-z0-9.-]+)/.exec(active.text)?.[1];
  const usePrivateDns = /UsePrivateDns: (true|false)/.exec(active.text)?.[1];
  return {
    connection,
    vpnActive: vpn !== undefined,
    ...(vpnOwner !== undefined && Number.isInteger(vpnOwner) ? { vpnOwnerUid: vpnOwner } : {}),
    ...(pac !== undefined ? { proxy: { pacUrl: pac } } : {}),
    ...(manual?.[1] !== undefined ? { proxy: { host: manual[1], port: Number(manual[2]) } } : {}),
    dnsServers,
    ...(privateDnsHost !== undefined && privateDnsHost !== 'null' ? { privateDnsHost } : {}),
    ...(usePrivateDns === undefined ? {} : { usePrivateDns: usePrivateDns === 'true' }),
  };
}
