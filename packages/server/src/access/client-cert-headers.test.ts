import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDeviceCa, type TestClientCert } from '../../test-support/pki.ts';
import {
  derOf,
  fingerprintFromHeaders,
  fingerprintOfXfcc,
  normalizeFingerprint,
} from './client-cert-headers.ts';
import { isTrustedProxy, readForwardAuthRequest } from './forward-auth-request.ts';

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
    ['nginx escaped PEM', () => ({ 'x-client-cert': encodeURIComponent(cert.certPem) })],
    ['raw PEM (single line after unescape)', () => ({ 'x-client-cert': cert.certPem.replace(/\n/g, ' ') })],
    ['Caddy base64 DER', () => ({ 'x-client-cert': der.toString('base64') })],
    ['Caddy SHA-256', () => ({ 'x-client-cert-sha256': sha })],
    [
      'SHA-256 with colons, upper case',
      () => ({ 'x-client-cert-sha256': sha.toUpperCase().match(/../g)?.join(':') ?? '' }),
    ],
    [
      'Envoy XFCC Hash',
      () => ({ 'x-forwarded-client-cert': `By=spiffe://x;Hash=${sha};Subject="CN=a,O=b;c"` }),
    ],
    [
      'Envoy XFCC Cert only',
      () => ({ 'x-forwarded-client-cert': `Cert="${encodeURIComponent(cert.certPem)}";Subject="CN=a"` }),
    ],
    [
      'Traefik chain',
      () => ({
        'x-forwarded-tls-client-cert': `${der.toString('base64')},${Buffer.from('other').toString('base64')}`,
      }),
    ],
    [
      'Traefik URL-escaped',
      () => ({ 'x-forwarded-tls-client-cert': encodeURIComponent(der.toString('base64')) }),
    ],
    [
      'nginx with verify SUCCESS',
      () => ({ 'x-client-cert': encodeURIComponent(cert.certPem), 'x-client-verify': 'SUCCESS' }),
    ],
  ])('%s → the SHA-256 of the DER', (_name, headers) => {
    expect(fingerprintFromHeaders(headers())).toBe(sha);
  });

  it.each([
    ['nothing', {}],
    ['empty nginx header (no certificate)', { 'x-client-cert': '', 'x-client-verify': 'NONE' }],
    [
      'failed verification',
      () => ({
        'x-client-cert': encodeURIComponent(cert.certPem),
        'x-client-verify': 'FAILED:certificate has expired',
      }),
    ],
    ['a SHA-1 is not a SHA-256', { 'x-client-cert-sha256': 'ab'.repeat(20) }],
    ['garbage PEM', { 'x-client-cert': '-----BEGIN CERTIFICATE-----%%%-----END CERTIFICATE-----' }],
    ['bad escaping', { 'x-client-cert': '%E0%A4%A' }],
    ['XFCC without hash or cert', { 'x-forwarded-client-cert': 'By=spiffe://x;URI=' }],
  ])('%s → no identity', (_name, headers) => {
    const value = typeof headers === 'function' ? headers() : headers;
    expect(fingerprintFromHeaders(value)).toBeUndefined();
  });

  it('gives the same answers when the same header values come again (remembered parses)', () => {
    const other = encodeURIComponent('not a certificate');
    for (let round = 0; round < 3; round++) {
      expect(fingerprintFromHeaders({ 'x-client-cert': encodeURIComponent(cert.certPem) })).toBe(sha);
      expect(fingerprintFromHeaders({ 'x-client-cert': other })).toBeUndefined();
      expect(
        fingerprintFromHeaders({ 'x-forwarded-tls-client-cert': encodeURIComponent(der.toString('base64')) }),
      ).toBe(sha);
      expect(fingerprintFromHeaders({ 'x-forwarded-client-cert': `Hash=${sha}` })).toBe(sha);
      // Verification failure is judged per request, before any remembered value.
      expect(
        fingerprintFromHeaders({
          'x-client-cert': encodeURIComponent(cert.certPem),
          'x-client-verify': 'FAILED:revoked',
        }),
      ).toBeUndefined();
    }
  });

  it('uses the first header in documented order', () => {
    expect(
      fingerprintFromHeaders({
        'x-client-cert-sha256': 'cd'.repeat(32),
        'x-client-cert': encodeURIComponent(cert.certPem),
      }),
    ).toBe('cd'.repeat(32));
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
  const base = { method: 'GET', url: '/v1/access/check', remoteAddress: '10.0.0.5' };
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
    const parsed = readForwardAuthRequest(headers, request);
    expect(parsed).toMatchObject({ host, path, method });
  });

  it('takes the client address from the first X-Forwarded-For entry and the device token', () => {
    const parsed = readForwardAuthRequest(
      { 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'x-riskgate-device-token': 'tok' },
      base,
    );
    expect(parsed).toMatchObject({ remoteAddress: '203.0.113.9', deviceToken: 'tok' });
  });

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
    expect(isTrustedProxy(trust, headers, remote)).toBe(expected);
  });
});
