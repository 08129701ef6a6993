import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDeviceCa, type TestClientCert } from '../../test-support/pki.ts';
import type { Database } from '../db/types.ts';
import {
  derOf,
  fingerprintOfXfcc,
  type IdentityHeaderKind,
  identityFromHeaders,
  normalizeFingerprint,
} from './client-cert-headers.ts';
import { readForwardAuthRequest } from './forward-auth-request.ts';
import { createProxyTrust } from './proxy-binding.ts';

/** The fingerprint a request names through one integration's own header. */
const fingerprintFor = (kind: IdentityHeaderKind, headers: Record<string, string>) =>
  identityFromHeaders(headers, kind).fingerprint;

let cert: TestClientCert;
let der: Buffer;
let sha: string;
beforeAll(async () => {
  const ca = await createTestDeviceCa('Acme');
  cert = await ca.issueClient('dev-1');
  der = derOf(cert.certPem) ?? Buffer.alloc(0);
  sha = createHash('sha256').update(der).digest('hex');
});

describe('device certificate headers (docs/proxies.md §1)', () => {
  it('the test certificate fingerprint matches the PKI helper', () => {
    expect(sha).toBe(cert.sha256);
  });

  it.each([
    ['nginx', 'escaped PEM', () => ({ 'x-client-cert': encodeURIComponent(cert.certPem) })],
    ['nginx', 'raw PEM (single line)', () => ({ 'x-client-cert': cert.certPem.replace(/\n/g, ' ') })],
    ['nginx', 'base64 DER', () => ({ 'x-client-cert': der.toString('base64') })],
    ['caddy', 'SHA-256', () => ({ 'x-client-cert-sha256': sha })],
    [
      'caddy',
      'SHA-256 with colons, upper case',
      () => ({ 'x-client-cert-sha256': sha.toUpperCase().match(/../g)?.join(':') ?? '' }),
    ],
    [
      'envoy',
      'XFCC Hash',
      () => ({ 'x-forwarded-client-cert': `By=spiffe://x;Hash=${sha};Subject="CN=a,O=b;c"` }),
    ],
    [
      'envoy',
      'XFCC Cert only',
      () => ({ 'x-forwarded-client-cert': `Cert="${encodeURIComponent(cert.certPem)}";Subject="CN=a"` }),
    ],
    [
      'traefik',
      'chain',
      () => ({
        'x-forwarded-tls-client-cert': `${der.toString('base64')},${Buffer.from('other').toString('base64')}`,
      }),
    ],
    [
      'traefik',
      'URL-escaped',
      () => ({ 'x-forwarded-tls-client-cert': encodeURIComponent(der.toString('base64')) }),
    ],
    [
      'nginx',
      'with verify SUCCESS',
      () => ({ 'x-client-cert': encodeURIComponent(cert.certPem), 'x-client-verify': 'SUCCESS' }),
    ],
  ] as const)('%s %s → the SHA-256 of the DER', (kind, _name, headers) => {
    expect(identityFromHeaders(headers(), kind)).toEqual({ fingerprint: sha, conflict: undefined });
  });

  it.each([
    ['nginx', 'nothing', {}],
    ['nginx', 'empty header (no certificate)', { 'x-client-cert': '', 'x-client-verify': 'NONE' }],
    [
      'nginx',
      'failed verification',
      () => ({
        'x-client-cert': encodeURIComponent(cert.certPem),
        'x-client-verify': 'FAILED:certificate has expired',
      }),
    ],
    ['caddy', 'a SHA-1 is not a SHA-256', { 'x-client-cert-sha256': 'ab'.repeat(20) }],
    ['nginx', 'garbage PEM', { 'x-client-cert': '-----BEGIN CERTIFICATE-----%%%-----END CERTIFICATE-----' }],
    ['nginx', 'bad escaping', { 'x-client-cert': '%E0%A4%A' }],
    ['envoy', 'XFCC without hash or cert', { 'x-forwarded-client-cert': 'By=spiffe://x;URI=' }],
  ] as const)('%s %s → no identity', (kind, _name, headers) => {
    const value = typeof headers === 'function' ? headers() : headers;
    expect(identityFromHeaders(value, kind)).toEqual({ fingerprint: undefined, conflict: undefined });
  });

  it("reads only the integration's own header: another proxy's header is not an identity", () => {
    expect(fingerprintFor('caddy', { 'x-client-cert': encodeURIComponent(cert.certPem) })).toBeUndefined();
    expect(fingerprintFor('nginx', { 'x-client-cert-sha256': sha })).toBeUndefined();
    expect(fingerprintFor('traefik', { 'x-forwarded-client-cert': `Hash=${sha}` })).toBeUndefined();
    expect(
      fingerprintFor('envoy', { 'x-forwarded-tls-client-cert': der.toString('base64') }),
    ).toBeUndefined();
  });

  it('gives the same answers when the same header values come again (remembered parses)', () => {
    const other = encodeURIComponent('not a certificate');
    for (let round = 0; round < 3; round++) {
      expect(fingerprintFor('nginx', { 'x-client-cert': encodeURIComponent(cert.certPem) })).toBe(sha);
      expect(fingerprintFor('nginx', { 'x-client-cert': other })).toBeUndefined();
      expect(
        fingerprintFor('traefik', {
          'x-forwarded-tls-client-cert': encodeURIComponent(der.toString('base64')),
        }),
      ).toBe(sha);
      expect(fingerprintFor('envoy', { 'x-forwarded-client-cert': `Hash=${sha}` })).toBe(sha);
      // Verification failure is judged per request, before any remembered value.
      expect(
        fingerprintFor('nginx', {
          'x-client-cert': encodeURIComponent(cert.certPem),
          'x-client-verify': 'FAILED:revoked',
        }),
      ).toBeUndefined();
    }
  });

  it.each([
    [
      'nginx',
      () => ({ 'x-client-cert': encodeURIComponent(cert.certPem), 'x-client-cert-sha256': 'cd'.repeat(32) }),
      'x-client-cert-sha256',
    ],
    [
      'nginx',
      () => ({ 'x-client-cert': '', 'x-forwarded-client-cert': `Hash=${sha}` }),
      'x-forwarded-client-cert',
    ],
    ['caddy', () => ({ 'x-client-cert-sha256': sha, 'x-client-cert': 'garbage' }), 'x-client-cert'],
    [
      'traefik',
      () => ({
        'x-forwarded-tls-client-cert': der.toString('base64'),
        'x-client-cert-sha256': 'cd'.repeat(32),
      }),
      'x-client-cert-sha256',
    ],
    [
      'envoy',
      () => ({ 'x-forwarded-client-cert': `Hash=${'cd'.repeat(32)}`, 'x-client-cert-sha256': sha }),
      'x-client-cert-sha256',
    ],
  ] as const)('%s: a second identity header that disagrees is a conflict (%#)', (kind, headers, conflict) => {
    expect(identityFromHeaders(headers(), kind).conflict).toBe(conflict);
  });

  it('a second identity header naming the same certificate is no conflict', () => {
    const headers = { 'x-client-cert': encodeURIComponent(cert.certPem), 'x-client-cert-sha256': sha };
    expect(identityFromHeaders(headers, 'nginx')).toEqual({ fingerprint: sha, conflict: undefined });
    expect(identityFromHeaders(headers, 'caddy')).toEqual({ fingerprint: sha, conflict: undefined });
  });

  it.each([
    ['Hash=AB', undefined],
    [`Hash="${'a'.repeat(64)}"`, 'a'.repeat(64)],
  ])('xfcc %s', (value, expected) => {
    expect(fingerprintOfXfcc(value)).toBe(expected);
  });

  it('normalizes fingerprints', () => {
    expect(normalizeFingerprint(`${'AB:'.repeat(31)}AB`)).toBe('ab'.repeat(32));
    expect(normalizeFingerprint('xyz')).toBeUndefined();
  });
});

describe('original request (nginx, Traefik, Caddy, Envoy)', () => {
  const base = { method: 'GET', url: '/v1/access/check' };
  it.each([
    [
      'nginx',
      { host: 'Mail.Acme.test', 'x-original-uri': '/owa/?a=1', 'x-original-method': 'post' },
      base,
      ['Mail.Acme.test', '/owa/?a=1', 'POST'],
    ],
    [
      'traefik/caddy',
      {
        host: 'rg',
        'x-forwarded-host': 'mail.acme.test',
        'x-forwarded-uri': '/x',
        'x-forwarded-method': 'PUT',
      },
      base,
      ['mail.acme.test', '/x', 'PUT'],
    ],
    [
      'envoy path prefix',
      { host: 'mail.acme.test' },
      { ...base, method: 'DELETE', url: '/v1/access/check/api/items/9?hard=1' },
      ['mail.acme.test', '/api/items/9?hard=1', 'DELETE'],
    ],
    [
      'envoy root',
      { host: 'mail.acme.test' },
      { ...base, url: '/v1/access/check?x=1' },
      ['mail.acme.test', '/?x=1', 'GET'],
    ],
    [
      'X-Original-Host',
      { host: 'rg', 'x-original-host': 'pay.acme.test' },
      base,
      ['pay.acme.test', '/', 'GET'],
    ],
  ] as const)('%s', (_name, headers, request, [host, path, method]) => {
    const parsed = readForwardAuthRequest(headers, request, 'nginx');
    expect(parsed).toMatchObject({ host, path, method });
  });

  it('takes the device token', () => {
    const parsed = readForwardAuthRequest({ 'x-riskgate-device-token': 'tok' }, base, 'caddy');
    expect(parsed).toMatchObject({ deviceToken: 'tok', clientCertFingerprint: undefined });
  });

  // Only the shared binding is exercised here: no `rgps_` credential is sent, so no query is made.
  const noDb = {} as Kysely<Database>;
  const bound = { tenantId: 'ten_1', integration: 'nginx' } as const;
  it.each([
    [
      { secret: 's'.repeat(24), addresses: [] },
      { 'x-riskgate-proxy-secret': 's'.repeat(24) },
      '198.51.100.1',
      true,
    ],
    [
      { secret: 's'.repeat(24), addresses: [] },
      { 'x-riskgate-proxy-secret': 's'.repeat(23) },
      '198.51.100.1',
      false,
    ],
    [
      { secret: 's'.repeat(24), addresses: ['10.0.0.5'] },
      { 'x-riskgate-proxy-secret': 'wrong' },
      '10.0.0.5',
      false,
    ],
    [{ addresses: ['10.0.0.5'] }, {}, '::ffff:10.0.0.5', true],
    [{ addresses: ['10.0.0.5'] }, {}, '10.0.0.6', false],
    [{ addresses: [] }, {}, '127.0.0.1', false],
  ])('trust %j %j from %s → %s', (trust, headers, remote, expected) => {
    const binding = createProxyTrust(noDb, { ...trust, ...bound }).bind(headers, remote);
    expect(binding).toEqual(expected ? { ...bound, credentialId: 'shared' } : undefined);
  });

  it('without a bound tenant, trusted addresses grant nothing', () => {
    expect(createProxyTrust(noDb, { addresses: ['10.0.0.5'] }).bind({}, '10.0.0.5')).toBeUndefined();
  });
});
