import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, cleanNetwork, detectorContext, keysOf } from '../../test-support/snapshots.ts';
import type { GatewayObservation, Network } from '../schema/network.ts';
import { detectArpSpoofing, detectWifi, isWeakerSecurity } from './network-wifi.ts';
import type { AssessSettings } from './types.ts';

const CORP: Partial<AssessSettings> = {
  knownNetworks: [{ ssid: 'CorpNet', security: 'wpa2-enterprise', bssids: ['AA:BB:CC:00:00:01'] }],
};

describe('detectWifi', () => {
  it.each<[string, Partial<Network>, Partial<AssessSettings>, string[]]>([
    ['clean WPA2', {}, {}, []],
    ['open', { wifi: { ssid: 'Cafe', security: 'open' } }, {}, ['network.open-wifi:Cafe']],
    ['open behind VPN', { wifi: { ssid: 'Cafe', security: 'open' }, vpn: { active: true } }, {}, []],
    ['OWE is not open', { wifi: { ssid: 'Cafe', security: 'owe' } }, {}, []],
    ['WEP', { wifi: { ssid: 'Old', security: 'wep' } }, {}, ['network.wep-wifi:Old']],
    [
      'open wifi on record but on cellular',
      { connection: 'cellular', wifi: { ssid: 'Cafe', security: 'open' } },
      {},
      [],
    ],
    [
      'known network, real AP',
      { wifi: { ssid: 'CorpNet', bssid: 'aa:bb:cc:00:00:01', security: 'wpa2-enterprise' } },
      CORP,
      [],
    ],
    [
      'known SSID with weaker security',
      { wifi: { ssid: 'CorpNet', bssid: 'aa:bb:cc:00:00:01', security: 'wpa2' } },
      CORP,
      ['network.rogue-access-point:CorpNet@aa:bb:cc:00:00:01'],
    ],
    [
      'known SSID, open evil twin',
      { wifi: { ssid: 'CorpNet', bssid: '66:66:66:66:66:66', security: 'open' } },
      CORP,
      ['network.open-wifi:CorpNet', 'network.rogue-access-point:CorpNet@66:66:66:66:66:66'],
    ],
    [
      'known SSID from an unknown BSSID',
      { wifi: { ssid: 'CorpNet', bssid: '66:66:66:66:66:66', security: 'wpa3-enterprise' } },
      CORP,
      ['network.rogue-access-point:CorpNet@66:66:66:66:66:66'],
    ],
    [
      'known SSID without BSSID list: stronger security is fine',
      { wifi: { ssid: 'Home', bssid: '66:66:66:66:66:66', security: 'wpa3' } },
      { knownNetworks: [{ ssid: 'Home', security: 'wpa2' }] },
      [],
    ],
  ])('%s', (_name, network, settings, expected) => {
    const snapshot = cleanAndroidSnapshot({ network: cleanNetwork(network) });
    expect(keysOf(detectWifi(detectorContext(snapshot, { settings })))).toEqual(expected);
  });

  it.each([
    ['open', 'wpa2', true],
    ['wpa2', 'wpa2-enterprise', true],
    ['wpa3', 'wpa2', false],
    ['unknown', 'wpa3', false],
    ['wpa2', 'wpa2', false],
  ] as const)('%s weaker than %s: %s', (observed, expected, weaker) => {
    expect(isWeakerSecurity(observed, expected)).toBe(weaker);
  });
});

const obs = (mac: string, at: string, bssid = '10:20:30:40:50:60'): GatewayObservation => ({
  bssid,
  ip: '192.168.1.1',
  mac,
  at,
});

describe('detectArpSpoofing', () => {
  it.each<[string, GatewayObservation[] | undefined, string[]]>([
    ['clean history', undefined, []],
    ['single entry', [obs('00:11:22:33:44:55', '2026-11-25T17:00:00Z')], []],
    [
      'stable MAC',
      [obs('00:11:22:33:44:55', '2026-11-25T10:00:00Z'), obs('00:11:22:33:44:55', '2026-11-25T17:00:00Z')],
      [],
    ],
    [
      'MAC changed on the same BSSID recently',
      [obs('00:11:22:33:44:55', '2026-11-25T10:00:00Z'), obs('66:66:66:66:66:66', '2026-11-25T17:00:00Z')],
      ['network.arp-spoofing:10:20:30:40:50:60'],
    ],
    [
      'change long ago (router replaced) is outside the window',
      [
        obs('00:11:22:33:44:55', '2026-11-01T10:00:00Z'),
        obs('66:66:66:66:66:66', '2026-11-02T10:00:00Z'),
        obs('66:66:66:66:66:66', '2026-11-25T17:00:00Z'),
      ],
      [],
    ],
    [
      'different BSSIDs with different gateways are fine',
      [
        obs('00:11:22:33:44:55', '2026-11-25T10:00:00Z'),
        obs('66:66:66:66:66:66', '2026-11-25T17:00:00Z', 'aa:aa:aa:aa:aa:aa'),
      ],
      [],
    ],
  ])('%s', (_name, history, expected) => {
    const network = history ? cleanNetwork({ gatewayMacHistory: history }) : cleanNetwork();
    const findings = detectArpSpoofing(detectorContext(cleanAndroidSnapshot({ network })));
    expect(keysOf(findings)).toEqual(expected);
  });
});
