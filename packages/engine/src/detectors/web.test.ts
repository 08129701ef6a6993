import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, detectorContext, fakeIntel, keysOf } from '../../test-support/snapshots.ts';
import type { Connection, VisitedDomain } from '../schema/snapshot.ts';
import { normalizeHost } from './host.ts';
import { detectDomainsAndConnections } from './web.ts';

const intel = fakeIntel([
  ['domain', 'paypal-login.example', { feed: 'blocklistproject-phishing', category: 'phishing' }],
  ['domain', 'xn--80ak6aa92e.com', { feed: 'blocklistproject-phishing', category: 'phishing' }],
  [
    'domain',
    'c2.spy.example',
    { feed: 'stalkerware-indicators', family: 'TheTruthSpy', category: 'stalkerware' },
  ],
  ['domain', 'both.example', { feed: 'maltrail', family: 'cerberus', category: 'c2' }],
  ['domain', 'both.example', { feed: 'phish-list', category: 'phishing' }],
  ['ip', '69.64.74.239', { feed: 'stalkerware-indicators', family: 'TheTruthSpy', category: 'c2' }],
]);

const at = '2026-11-25T17:00:00.000Z';
const visits = (...domains: string[]): VisitedDomain[] => domains.map((domain) => ({ domain, at }));

describe('detectDomainsAndConnections', () => {
  it.each<[string, VisitedDomain[] | undefined, Connection[] | undefined, string[]]>([
    ['clean', undefined, undefined, []],
    ['clean visits', visits('www.example.com', 'paypal.com'), [{ ip: '8.8.8.8' }], []],
    ['phishing exact host', visits('paypal-login.example'), undefined, ['web.phishing:paypal-login.example']],
    [
      'phishing subdomain, upper-case, trailing dot',
      visits('WWW.PayPal-Login.Example.'),
      undefined,
      ['web.phishing:www.paypal-login.example'],
    ],
    ['phishing IDN host', visits('аррӏе.com'), undefined, ['web.phishing:xn--80ak6aa92e.com']],
    [
      'repeated visits reported once',
      visits('paypal-login.example', 'paypal-login.example'),
      undefined,
      ['web.phishing:paypal-login.example'],
    ],
    [
      'C2 domain (stalkerware infra)',
      visits('api.c2.spy.example'),
      undefined,
      ['network.c2-contact:api.c2.spy.example'],
    ],
    [
      'domain in both phishing and C2 feeds',
      visits('both.example'),
      undefined,
      ['web.phishing:both.example', 'network.c2-contact:both.example'],
    ],
    ['C2 IP connection', undefined, [{ ip: '69.64.74.239', port: 443 }], ['network.c2-contact:69.64.74.239']],
    ['parent TLD alone never matches', visits('example'), undefined, []],
    [
      'one host in several spellings, among misses, reported once',
      visits('paypal-login.example', 'www.example.com', 'PAYPAL-LOGIN.example.', 'www.example.com'),
      undefined,
      ['web.phishing:paypal-login.example'],
    ],
    [
      'an IP visited as a host and connected to, reported once',
      visits('69.64.74.239'),
      [{ ip: '69.64.74.239', port: 443 }],
      ['network.c2-contact:69.64.74.239'],
    ],
  ])('%s', (_name, visitedDomains, connections, expected) => {
    const snapshot = cleanAndroidSnapshot({
      ...(visitedDomains ? { visitedDomains } : {}),
      ...(connections ? { connections } : {}),
    });
    expect(keysOf(detectDomainsAndConnections(detectorContext(snapshot, { intel })))).toEqual(expected);
  });

  it('keeps family and provenance on C2 evidence', () => {
    const snapshot = cleanAndroidSnapshot({ visitedDomains: visits('c2.spy.example') });
    const [finding] = detectDomainsAndConnections(detectorContext(snapshot, { intel }));
    expect(finding?.family).toBe('TheTruthSpy');
    expect(finding?.evidence[0]).toMatchObject({
      subject: 'domain',
      indicatorKind: 'domain',
      indicator: 'c2.spy.example',
    });
  });
});

describe('normalizeHost', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM.', 'example.com'],
    ['  mail.example.com ', 'mail.example.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['ＥＸＡＭＰＬＥ.com', 'example.com'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });
});
