import type { ThreatType } from './types.ts';

const DISCONNECT = 'Disconnect from {ssid} now: open Settings › Wi-Fi and tap Forget on {ssid}.';
const USE_CELLULAR = 'Use mobile data or a trusted Wi-Fi network until IT confirms this one is safe.';

/** Network threats: interception and redirection of the device's traffic. */
export const NETWORK_THREATS: readonly ThreatType[] = [
  {
    id: 'network.tls-mitm',
    class: 'network',
    title: 'TLS interception (man-in-the-middle)',
    defaultRisk: 'high',
    attack: ['T1638'],
    description:
      'A TLS probe saw a certificate or key that differs from the expected one: traffic on this network is intercepted.',
    remediation: [DISCONNECT, USE_CELLULAR, 'Do not sign in to anything while connected to {ssid}.'],
  },
  {
    id: 'network.ssl-strip',
    class: 'network',
    title: 'HTTPS downgrade (SSL stripping)',
    defaultRisk: 'high',
    attack: ['T1638', 'T1641.001'],
    description:
      'A probe that must be redirected to HTTPS stayed on plain HTTP: the network strips encryption.',
    remediation: [DISCONNECT, USE_CELLULAR],
  },
  {
    id: 'network.rogue-access-point',
    class: 'network',
    title: 'Rogue Wi-Fi access point',
    defaultRisk: 'high',
    attack: ['T1638'],
    description:
      'The device joined a network that imitates a known one: same name, but weaker security or an unknown access point.',
    remediation: [DISCONNECT, 'Tell IT where you saw this network.', USE_CELLULAR],
  },
  {
    id: 'network.open-wifi',
    class: 'network',
    title: 'Open Wi-Fi',
    defaultRisk: 'low',
    attack: ['T1638'],
    description: 'The device is on a Wi-Fi network without encryption; others nearby can see its traffic.',
    remediation: [
      'Prefer mobile data or a password-protected Wi-Fi network instead of {ssid}.',
      'Turn on the company VPN if you have one.',
    ],
  },
  {
    id: 'network.wep-wifi',
    class: 'network',
    title: 'WEP Wi-Fi',
    defaultRisk: 'medium',
    attack: ['T1638'],
    description: 'The Wi-Fi network uses WEP, whose encryption is broken in minutes.',
    remediation: [
      DISCONNECT,
      'If this is your network, change its security to WPA2 or WPA3 in the router settings.',
    ],
  },
  {
    id: 'network.arp-spoofing',
    class: 'network',
    title: 'ARP spoofing',
    defaultRisk: 'high',
    attack: ['T1638'],
    description:
      'The gateway hardware address changed on the same access point: another device on the network is impersonating the router.',
    remediation: [DISCONNECT, USE_CELLULAR],
  },
  {
    id: 'network.untrusted-ca',
    class: 'network',
    title: 'Untrusted root certificate installed',
    defaultRisk: 'medium',
    attack: ['T1638', 'T1632'],
    description:
      'A user-installed certificate authority the tenant does not trust can be used to read encrypted traffic.',
    remediation: [
      'Remove the certificate "{ca}": Settings › Security › Encryption & credentials › User credentials (iPhone: Settings › General › VPN & Device Management).',
    ],
  },
  {
    id: 'network.malicious-profile',
    class: 'network',
    title: 'Malicious or unknown configuration profile',
    defaultRisk: 'high',
    attack: ['T1632.001', 'T1638'],
    description:
      'An iOS configuration profile that is known malicious or not approved by the tenant is installed; profiles can add certificates, proxies and VPNs.',
    remediation: [
      'Open Settings › General › VPN & Device Management, tap "{profile}" and choose Remove Profile.',
    ],
    platforms: ['ios'],
  },
  {
    id: 'network.suspicious-proxy',
    class: 'network',
    title: 'Suspicious proxy',
    defaultRisk: 'medium',
    attack: ['T1638'],
    description: 'Traffic is routed through a proxy the tenant has not approved.',
    remediation: [
      'Open the Wi-Fi settings of {ssid}, set Proxy to None, and tell IT who asked you to set {proxy}.',
    ],
  },
  {
    id: 'network.dns-hijack',
    class: 'network',
    title: 'DNS hijacking',
    defaultRisk: 'high',
    attack: ['T1638', 'T1641.001'],
    description:
      'Name lookups are answered by unexpected servers or return wrong addresses; traffic can be redirected.',
    remediation: [DISCONNECT, 'Set Private DNS to Automatic in Settings › Network & internet.', USE_CELLULAR],
  },
  {
    id: 'network.c2-contact',
    class: 'network',
    title: 'Contact with a malware server',
    defaultRisk: 'high',
    attack: ['T1437.001', 'T1646'],
    description:
      'The device contacted a domain or address that threat intelligence lists as malware command and control.',
    remediation: [
      'Something on this phone talked to a known malware server ({host}). Contact IT before using the phone for work.',
      'Uninstall apps you installed recently and do not recognise.',
    ],
  },
];

/** Web threats: what the user browses to. */
export const WEB_THREATS: readonly ThreatType[] = [
  {
    id: 'web.phishing',
    class: 'web',
    title: 'Phishing site visited',
    defaultRisk: 'medium',
    attack: ['T1660'],
    description: 'The device visited a domain listed as phishing.',
    remediation: [
      'Do not enter passwords or card details on {host}.',
      'If you already did, change that password now from a trusted page and tell IT.',
    ],
  },
];
