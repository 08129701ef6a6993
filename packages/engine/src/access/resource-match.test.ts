import { describe, expect, it } from 'vitest';
import { normalizeRequestHost, normalizeRequestPath } from './request-normalize.ts';
import {
  compileResourceIndex,
  matchOidcClientResource,
  matchResource,
  matchWifiResource,
} from './resource-match.ts';
import type { Resource } from './schema.ts';

const resources: Resource[] = [
  { id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.example.com'] },
  {
    id: 'owa',
    name: 'Outlook on the web',
    kind: 'http-app',
    hosts: ['mail.example.com'],
    pathPrefix: '/owa',
  },
  {
    id: 'owa-admin',
    name: 'OWA admin',
    kind: 'http-app',
    hosts: ['MAIL.example.com'],
    pathPrefix: '/owa/admin/',
  },
  {
    id: 'sharepoint',
    name: 'SharePoint',
    kind: 'http-app',
    hosts: ['*.sharepoint.example.com', 'files.example.com'],
  },
  {
    id: 'sp-root',
    name: 'SharePoint root',
    kind: 'http-app',
    hosts: ['*.example.com'],
    pathPrefix: '/sites',
  },
  { id: 'payroll', name: 'Payroll', kind: 'http-app', hosts: ['apps.example.com'], pathPrefix: '/payroll' },
  { id: 'fallback', name: 'Any host', kind: 'http-app', pathPrefix: '/private' },
  { id: 'corp-wifi', name: 'Corp Wi-Fi', kind: 'wifi', ssid: 'Corp' },
  { id: 'guest-wifi', name: 'Guest Wi-Fi', kind: 'wifi', ssid: 'corp-guest' },
  { id: 'portal', name: 'Portal sign-in', kind: 'oidc-client', clientId: 'portal-client' },
];

const cases: { name: string; host: string; path: string; expected: string | undefined }[] = [
  { name: 'exact host, root', host: 'mail.example.com', path: '/', expected: 'exchange' },
  { name: 'host case and port ignored', host: 'MAIL.Example.COM:443', path: '/ews/x', expected: 'exchange' },
  { name: 'trailing dot ignored', host: 'mail.example.com.', path: '/', expected: 'exchange' },
  { name: 'longer prefix wins', host: 'mail.example.com', path: '/owa/inbox', expected: 'owa' },
  { name: 'prefix equals path', host: 'mail.example.com', path: '/owa', expected: 'owa' },
  { name: 'query string ignored', host: 'mail.example.com', path: '/owa?x=/owa/admin/', expected: 'owa' },
  {
    name: 'prefix on segment boundary only',
    host: 'mail.example.com',
    path: '/owablah',
    expected: 'exchange',
  },
  {
    name: 'longest prefix wins (3 levels)',
    host: 'mail.example.com',
    path: '/owa/admin/users',
    expected: 'owa-admin',
  },
  { name: 'path case ignored', host: 'mail.example.com', path: '/OWA/Admin/users', expected: 'owa-admin' },
  {
    name: 'dot segments resolved',
    host: 'mail.example.com',
    path: '/owa/x/../admin/users',
    expected: 'owa-admin',
  },
  {
    name: 'encoded dots resolved',
    host: 'mail.example.com',
    path: '/owa/x/%2e%2E/admin/',
    expected: 'owa-admin',
  },
  {
    name: 'double slashes collapsed',
    host: 'mail.example.com',
    path: '//owa//admin/x',
    expected: 'owa-admin',
  },
  { name: 'wildcard subdomain', host: 'team.sharepoint.example.com', path: '/', expected: 'sharepoint' },
  { name: 'wildcard deep subdomain', host: 'a.b.sharepoint.example.com', path: '/x', expected: 'sharepoint' },
  { name: 'second host of a resource', host: 'files.example.com', path: '/sync', expected: 'sharepoint' },
  {
    name: 'longer wildcard beats shorter',
    host: 'x.sharepoint.example.com',
    path: '/sites/a',
    expected: 'sharepoint',
  },
  {
    name: 'shorter wildcard with prefix',
    host: 'intranet.example.com',
    path: '/sites/hr',
    expected: 'sp-root',
  },
  { name: 'exact host beats wildcard', host: 'apps.example.com', path: '/payroll/2026', expected: 'payroll' },
  {
    name: 'exact host miss falls to wildcard',
    host: 'apps.example.com',
    path: '/sites/x',
    expected: 'sp-root',
  },
  {
    name: 'wildcard does not match the bare domain',
    host: 'sharepoint.example.com',
    path: '/',
    expected: undefined,
  },
  { name: 'any-host resource', host: 'other.test', path: '/private/a', expected: 'fallback' },
  { name: 'nothing matches', host: 'other.test', path: '/public', expected: undefined },
  {
    name: 'traversal out of a prefix',
    host: 'apps.example.com',
    path: '/payroll/../public',
    expected: undefined,
  },
  {
    name: 'absolute-form URI',
    host: 'apps.example.com',
    path: 'https://apps.example.com/payroll/x',
    expected: 'payroll',
  },
];

describe('matchResource and compileResourceIndex', () => {
  const index = compileResourceIndex(resources);
  it.each(cases)('$name', ({ host, path, expected }) => {
    expect(matchResource(resources, { host, path })?.id).toBe(expected);
    expect(index.matchHttp({ host, path })?.id).toBe(expected);
  });

  it('never maps wifi or oidc resources to HTTP requests', () => {
    const onlyWifi: Resource[] = [{ id: 'w', name: 'W', kind: 'wifi', ssid: 'Corp' }];
    expect(matchResource(onlyWifi, { host: 'x', path: '/' })).toBeUndefined();
    expect(compileResourceIndex(onlyWifi).matchHttp({ host: 'x', path: '/' })).toBeUndefined();
  });

  it('the first of two identical resources wins', () => {
    const twins: Resource[] = [
      { id: 'first', name: 'A', kind: 'http-app', hosts: ['a.test'], pathPrefix: '/x' },
      { id: 'second', name: 'B', kind: 'http-app', hosts: ['a.test'], pathPrefix: '/x' },
    ];
    expect(matchResource(twins, { host: 'a.test', path: '/x' })?.id).toBe('first');
    expect(compileResourceIndex(twins).matchHttp({ host: 'a.test', path: '/x' })?.id).toBe('first');
  });
});

describe('matchWifiResource / matchOidcClientResource', () => {
  const index = compileResourceIndex(resources);
  it.each([
    ['Corp', 'corp-wifi'],
    ['corp-guest', 'guest-wifi'],
    ['corp', undefined],
    ['Corp ', undefined],
  ])('ssid %j → %s', (ssid, expected) => {
    expect(matchWifiResource(resources, ssid)?.id).toBe(expected);
    expect(index.matchWifi(ssid)?.id).toBe(expected);
  });

  it('client id', () => {
    expect(matchOidcClientResource(resources, 'portal-client')?.id).toBe('portal');
    expect(index.matchOidcClient('portal-client')?.id).toBe('portal');
    expect(matchOidcClientResource(resources, 'other')).toBeUndefined();
    expect(index.byId('payroll')?.name).toBe('Payroll');
  });
});

describe('normalizeRequestHost / normalizeRequestPath', () => {
  it.each([
    ['Mail.Example.com', 'mail.example.com'],
    ['mail.example.com:8443', 'mail.example.com'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    [' a.test. ', 'a.test'],
  ])('host %j → %j', (input, expected) => {
    expect(normalizeRequestHost(input)).toBe(expected);
  });

  it.each([
    ['/a/b', '/a/b'],
    ['', '/'],
    ['a/b', '/a/b'],
    ['/a/b/', '/a/b/'],
    ['/a/./b', '/a/b'],
    ['/a/../../b', '/b'],
    ['/a/..', '/'],
    ['/a%2Fb', '/a/b'],
    ['/a\\..\\b', '/b'],
    ['/a?b=/../c', '/a'],
    ['/a#frag', '/a'],
    ['/%41', '/%41'],
  ])('path %j → %j', (input, expected) => {
    expect(normalizeRequestPath(input)).toBe(expected);
  });
});
