import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, cleanNetwork, detectorContext, keysOf } from '../../test-support/snapshots.ts';
import type { Network } from '../schema/network.ts';
import {
  detectDnsHijack,
  detectSslStrip,
  detectSuspiciousProxy,
  detectTlsInterception,
} from './network-traffic.ts';
import type { AssessSettings, Detector } from './types.ts';

const PIN = 'dd'.repeat(32);
const OTHER = 'ee'.repeat(32);

type Row = [string, Detector, Partial<Network>, Partial<AssessSettings>, string[]];

describe('network traffic detectors', () => {
  it.each<Row>([
    ['tls: clean', detectTlsInterception, {}, {}, []],
    [
      'tls: pin mismatch',
      detectTlsInterception,
      {
        tlsProbes: [
          {
            host: 'Mail.Example.com.',
            observedSpkiSha256: OTHER,
            expectedSpkiSha256: [PIN],
            observedIssuer: 'CN=Fortinet',
          },
        ],
      },
      {},
      ['network.tls-mitm:mail.example.com'],
    ],
    [
      'tls: pin matches (upper-case)',
      detectTlsInterception,
      {
        tlsProbes: [{ host: 'a.example', observedSpkiSha256: PIN.toUpperCase(), expectedSpkiSha256: [PIN] }],
      },
      {},
      [],
    ],
    [
      'tls: agent verdict untrusted',
      detectTlsInterception,
      { tlsProbes: [{ host: 'a.example', verdict: 'untrusted' }] },
      {},
      ['network.tls-mitm:a.example'],
    ],
    [
      'tls: probe error is not MITM',
      detectTlsInterception,
      { tlsProbes: [{ host: 'a.example', verdict: 'error' }] },
      {},
      [],
    ],
    ['strip: clean', detectSslStrip, {}, {}, []],
    [
      'strip: stayed on http',
      detectSslStrip,
      { downgradeProbes: [{ host: 'bank.example', finalScheme: 'http' }] },
      {},
      ['network.ssl-strip:bank.example'],
    ],
    ['proxy: none', detectSuspiciousProxy, {}, {}, []],
    [
      'proxy: manual unknown',
      detectSuspiciousProxy,
      { proxy: { host: '10.0.0.66', port: 8080, source: 'manual' } },
      {},
      ['network.suspicious-proxy:10.0.0.66:8080'],
    ],
    [
      'proxy: PAC only',
      detectSuspiciousProxy,
      { proxy: { pacUrl: 'http://wpad.evil/proxy.pac', source: 'pac' } },
      {},
      ['network.suspicious-proxy:http://wpad.evil/proxy.pac'],
    ],
    [
      'proxy: allowed host',
      detectSuspiciousProxy,
      { proxy: { host: 'Proxy.Corp.example', port: 3128 } },
      { allowedProxyHosts: ['proxy.corp.example'] },
      [],
    ],
    [
      'proxy: set by MDM',
      detectSuspiciousProxy,
      { proxy: { host: 'proxy.corp.example', source: 'mdm' } },
      {},
      [],
    ],
    ['dns: clean', detectDnsHijack, {}, {}, []],
    [
      'dns: probe resolved elsewhere',
      detectDnsHijack,
      { dnsProbes: [{ host: 'riskgate.example', observed: ['6.6.6.6'], expected: ['1.2.3.4', '1.2.3.5'] }] },
      {},
      ['network.dns-hijack:riskgate.example'],
    ],
    [
      'dns: probe matches one expected',
      detectDnsHijack,
      { dnsProbes: [{ host: 'r.example', observed: ['1.2.3.5'], expected: ['1.2.3.4', '1.2.3.5'] }] },
      {},
      [],
    ],
    [
      'dns: unexpected server on a known network',
      detectDnsHijack,
      { dns: { servers: ['6.6.6.6'] } },
      { knownNetworks: [{ ssid: 'HomeNet', security: 'wpa2', dnsServers: ['192.168.1.1'] }] },
      ['network.dns-hijack:HomeNet'],
    ],
    [
      'dns: trusted resolver on a known network',
      detectDnsHijack,
      { dns: { servers: ['9.9.9.9'] } },
      {
        knownNetworks: [{ ssid: 'HomeNet', security: 'wpa2', dnsServers: ['192.168.1.1'] }],
        trustedDnsServers: ['9.9.9.9'],
      },
      [],
    ],
    [
      'dns: unknown network, any server',
      detectDnsHijack,
      { dns: { servers: ['6.6.6.6'] } },
      { trustedDnsServers: ['9.9.9.9'] },
      [],
    ],
  ])('%s', (_name, detector, network, settings, expected) => {
    const snapshot = cleanAndroidSnapshot({ network: cleanNetwork(network) });
    expect(keysOf(detector(detectorContext(snapshot, { settings })))).toEqual(expected);
  });

  it('TLS evidence names the host, the expected pin and the issuer; remediation params name the Wi-Fi', () => {
    const network = cleanNetwork({
      tlsProbes: [
        {
          host: 'mail.example.com',
          observedSpkiSha256: OTHER,
          expectedSpkiSha256: [PIN],
          observedIssuer: 'CN=Evil',
        },
      ],
    });
    const [finding] = detectTlsInterception(detectorContext(cleanAndroidSnapshot({ network })));
    expect(finding?.evidence[0]).toMatchObject({
      subject: 'tls-probe',
      observed: OTHER,
      detail: { host: 'mail.example.com', expected: PIN, issuer: 'CN=Evil' },
    });
    expect(finding?.params).toMatchObject({ ssid: 'HomeNet', host: 'mail.example.com' });
  });
});
