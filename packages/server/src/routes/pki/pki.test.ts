import 'reflect-metadata'; // must load before @peculiar/x509
import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate as NodeX509, verify, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessHarness, type EnrolledDevice } from '../../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../../test-support/db.ts';
import { TestDevice } from '../../../test-support/device.ts';
import { createPkiService } from '../../pki/pki-service.ts';
import { createTenant } from '../../tenants/tenant-service.ts';

x509.cryptoProvider.set(webcrypto);

type Harness = Awaited<ReturnType<typeof createAccessHarness>>;

/** What the status endpoint answers (docs/proxies.md "Certificate revocation"). */
interface CertStatus {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly tenantId: string;
  readonly serial: string | null;
  readonly fingerprintSha256: string | null;
  readonly revokedAt: string | null;
  readonly reason: string | null;
  readonly thisUpdate: string;
  readonly nextUpdate: string;
}

// Our serials are 16 bytes; printers drop leading zeros.
const serialOf = (pem: string) => new NodeX509(pem).serialNumber.toLowerCase().padStart(32, '0');
const CRL_NUMBER_OID = '2.5.29.20';

/** The CRL number (an INTEGER extension value) as a bigint. */
function crlNumberOf(crl: x509.X509Crl): bigint {
  const ext = crl.getExtension(CRL_NUMBER_OID);
  expect(ext).not.toBeNull();
  const der = Buffer.from(ext?.value ?? new ArrayBuffer(0));
  expect(der[0]).toBe(0x02); // INTEGER
  return BigInt(`0x${der.subarray(2, 2 + (der[1] ?? 0)).toString('hex')}`);
}

/** Runs openssl; resolves with its exit code and output (never throws on a non-zero exit). */
function openssl(args: readonly string[]) {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.error !== undefined) throw run.error;
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

// Issue 11.1: retire revokes the device's certificate, published per tenant as a CRL and an
// OCSP-style signed status that proxies and FreeRADIUS can use.
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`PKI: CRL and certificate status (${dialect})`, () => {
    let h: Harness;
    let dir: string;
    let live: EnrolledDevice;
    let retired: EnrolledDevice;
    let caPem: string;
    beforeAll(async () => {
      h = await createAccessHarness(dialect);
      dir = mkdtempSync(join(tmpdir(), 'riskgate-pki-'));
      live = await h.enroll();
      retired = await h.enroll();
      caPem = live.caCertificate;
      const reply = await h.admin('POST', `/v1/admin/devices/${retired.deviceId}/retire`);
      expect(reply.statusCode, reply.body).toBe(200);
    });
    afterAll(async () => {
      await h?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    const crlUrl = (tenantId = h.tenant.tenantId) => `/v1/pki/${tenantId}/crl`;
    const statusUrl = (id: string, tenantId = h.tenant.tenantId) => `/v1/pki/${tenantId}/status/${id}`;

    async function fetchCrl(tenantId = h.tenant.tenantId): Promise<x509.X509Crl> {
      const reply = await h.app.inject({ method: 'GET', url: crlUrl(tenantId) });
      expect(reply.statusCode, reply.body).toBe(200);
      return new x509.X509Crl(reply.rawPayload);
    }

    async function fetchStatus(id: string, tenantId = h.tenant.tenantId) {
      const reply = await h.app.inject({ method: 'GET', url: statusUrl(id, tenantId) });
      expect(reply.statusCode, reply.body).toBe(200);
      return reply.json<CertStatus & { jws: string }>();
    }

    /** Verifies the status JWS with the tenant CA's public key; returns its payload. */
    function verifiedPayload(jws: string, ca: string): CertStatus {
      const [header, payload, signature] = jws.split('.') as [string, string, string];
      const key = new NodeX509(ca).publicKey;
      const ok = verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
      expect(ok).toBe(true);
      const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(head.alg).toBe('ES256');
      expect(head['x5t#S256']).toBe(createHash('sha256').update(new NodeX509(ca).raw).digest('base64url'));
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CertStatus;
    }

    it('serves a DER CRL signed by the tenant CA that lists the retired serial, not the live one', async () => {
      const reply = await h.app.inject({ method: 'GET', url: crlUrl() });
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.headers['content-type']).toBe('application/pkix-crl');
      const crl = new x509.X509Crl(reply.rawPayload);
      const ca = new x509.X509Certificate(caPem);
      expect(await crl.verify({ publicKey: ca })).toBe(true);
      expect(crl.issuer).toBe(ca.subject);
      const entry = crl.findRevoked(serialOf(retired.certificate));
      expect(entry).not.toBeNull();
      expect(entry?.reason).toBe(x509.X509CrlReason.cessationOfOperation);
      expect(crl.findRevoked(serialOf(live.certificate))).toBeNull();
      // thisUpdate / nextUpdate one period (1 h by default) apart, and the cache follows nextUpdate.
      expect(crl.nextUpdate?.getTime()).toBe(crl.thisUpdate.getTime() + 3600_000);
      const maxAge = Number(/max-age=(\d+)/.exec(String(reply.headers['cache-control']))?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(3600);
      // The authority key identifier names the CA's subject key identifier.
      const aki = crl.getExtension(x509.AuthorityKeyIdentifierExtension);
      const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension);
      expect(aki?.keyId).toBeDefined();
      expect(aki?.keyId).toBe(ski?.keyId);
      expect(crlNumberOf(crl)).toBeGreaterThan(0n);
    });

    it('passes openssl: the CRL verifies against the CA; -crl_check fails the revoked cert, passes the live one', async () => {
      const pem = await h.app.inject({ method: 'GET', url: `${crlUrl()}?format=pem` });
      expect(pem.statusCode, pem.body).toBe(200);
      expect(pem.headers['content-type']).toMatch(/^application\/x-pem-file/);
      expect(pem.body).toMatch(/^-----BEGIN X509 CRL-----/);
      const der = await h.app.inject({ method: 'GET', url: crlUrl() });
      writeFileSync(join(dir, 'ca.pem'), caPem);
      writeFileSync(join(dir, 'crl.der'), der.rawPayload);
      writeFileSync(join(dir, 'crl.pem'), pem.body);
      writeFileSync(join(dir, 'live.pem'), live.certificate);
      writeFileSync(join(dir, 'retired.pem'), retired.certificate);
      const at = (name: string) => join(dir, name);

      const crl = openssl(['crl', '-inform', 'DER', '-in', at('crl.der'), '-CAfile', at('ca.pem'), '-noout']);
      expect(crl.code, crl.out).toBe(0);
      expect(crl.out).toContain('verify OK');
      const text = openssl(['crl', '-inform', 'DER', '-in', at('crl.der'), '-noout', '-text']);
      expect(text.out).toContain('Cessation Of Operation');
      expect(text.out).toContain('X509v3 CRL Number');
      expect(text.out).toContain('X509v3 Authority Key Identifier');

      const verifyWithCrl = (cert: string) =>
        openssl(['verify', '-CAfile', at('ca.pem'), '-crl_check', '-CRLfile', at('crl.pem'), at(cert)]);
      const revoked = verifyWithCrl('retired.pem');
      expect(revoked.code, revoked.out).not.toBe(0);
      expect(revoked.out).toContain('certificate revoked');
      const good = verifyWithCrl('live.pem');
      expect(good.code, good.out).toBe(0);
    });

    it('takes its periods from the settings (crlPeriod, certStatusPeriod)', async () => {
      const pki = createPkiService(h.runtime.ctx, { crlPeriodSeconds: 600, statusPeriodSeconds: 30 });
      const crl = await pki.crl(h.tenant.tenantId);
      expect(crl.nextUpdate.getTime() - crl.thisUpdate.getTime()).toBe(600_000);
      const status = await pki.status(h.tenant.tenantId, live.fingerprint);
      expect(Date.parse(status.nextUpdate) - Date.parse(status.thisUpdate)).toBe(30_000);
    });

    it('answers PEM for Accept: application/x-pem-file', async () => {
      const reply = await h.app.inject({
        method: 'GET',
        url: crlUrl(),
        headers: { accept: 'application/x-pem-file' },
      });
      expect(reply.statusCode).toBe(200);
      expect(reply.body).toMatch(/^-----BEGIN X509 CRL-----/);
    });

    it('serves the same CRL while nothing changes, and a higher CRL number after a revocation', async () => {
      const first = await h.app.inject({ method: 'GET', url: crlUrl() });
      const again = await h.app.inject({ method: 'GET', url: crlUrl() });
      expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
      const etag = String(first.headers.etag);
      const notModified = await h.app.inject({
        method: 'GET',
        url: crlUrl(),
        headers: { 'if-none-match': etag },
      });
      expect(notModified.statusCode).toBe(304);

      const before = crlNumberOf(new x509.X509Crl(first.rawPayload));
      const another = await h.enroll();
      expect((await h.admin('POST', `/v1/admin/devices/${another.deviceId}/retire`)).statusCode).toBe(200);
      const after = await fetchCrl();
      expect(crlNumberOf(after)).toBeGreaterThan(before);
      expect(after.findRevoked(serialOf(another.certificate))).not.toBeNull();
    });

    it('re-enrollment revokes the old certificate as superseded; the new one is good', async () => {
      const device = await h.enroll();
      const token = await h.admin('POST', '/v1/admin/enrollment-tokens', {
        ownership: 'corporate',
        groups: [],
        expiresInHours: 1,
        maxUses: 1,
      });
      expect(token.statusCode, token.body).toBe(201);
      const next = new TestDevice();
      const body = JSON.stringify({
        token: token.json<{ token: string }>().token,
        publicKey: next.jwk,
        device: { platform: 'android' },
        deviceId: device.deviceId,
      });
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/device/enroll',
        headers: {
          'content-type': 'application/json',
          'x-riskgate-signature': next.sign('POST', '/v1/device/enroll', body, h.clock.now, {
            withJwk: true,
          }),
          'x-riskgate-device-proof': device.key.sign('POST', '/v1/device/enroll', body, h.clock.now),
        },
        payload: body,
      });
      expect(reply.statusCode, reply.body).toBe(201);
      const newCert = reply.json<{ certificate: string }>().certificate;

      const crl = await fetchCrl();
      expect(crl.findRevoked(serialOf(device.certificate))?.reason).toBe(x509.X509CrlReason.superseded);
      expect(crl.findRevoked(serialOf(newCert))).toBeNull();
      expect((await fetchStatus(serialOf(device.certificate))).reason).toBe('superseded');
      expect((await fetchStatus(serialOf(newCert))).status).toBe('good');
    });

    it('status: good, revoked and unknown, by serial or SHA-256 fingerprint, signed by the tenant CA', async () => {
      const good = await fetchStatus(serialOf(live.certificate));
      expect(good).toMatchObject({
        status: 'good',
        tenantId: h.tenant.tenantId,
        serial: serialOf(live.certificate),
        fingerprintSha256: live.fingerprint,
        revokedAt: null,
        reason: null,
      });
      expect(Date.parse(good.nextUpdate)).toBeGreaterThan(Date.parse(good.thisUpdate));
      const { jws, ...plain } = good;
      expect(verifiedPayload(jws, caPem)).toEqual(plain);

      const byFingerprint = await fetchStatus(live.fingerprint.toUpperCase());
      expect(byFingerprint.status).toBe('good');
      const colons = serialOf(live.certificate).toUpperCase().match(/../g)?.join(':') ?? '';
      expect((await fetchStatus(colons)).status).toBe('good');

      const revoked = await fetchStatus(retired.fingerprint);
      expect(revoked).toMatchObject({
        status: 'revoked',
        serial: serialOf(retired.certificate),
        fingerprintSha256: retired.fingerprint,
        reason: 'cessationOfOperation',
      });
      expect(revoked.revokedAt).toEqual(expect.any(String));
      expect(verifiedPayload(revoked.jws, caPem).status).toBe('revoked');

      const unknown = await fetchStatus('0badc0ffee');
      expect(unknown).toMatchObject({ status: 'unknown', revokedAt: null, reason: null });
      expect(verifiedPayload(unknown.jws, caPem).status).toBe('unknown');
    });

    it('binds status and CRL to the tenant: another tenant’s certificate is unknown here', async () => {
      const foreign = await h.enroll(h.otherTenant);
      const foreignRetired = await h.enroll(h.otherTenant);
      const retire = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/devices/${foreignRetired.deviceId}/retire`,
        headers: h.auth('admin', h.otherTenant),
      });
      expect(retire.statusCode).toBe(200);
      for (const device of [foreign, foreignRetired]) {
        expect((await fetchStatus(serialOf(device.certificate))).status).toBe('unknown');
        expect((await fetchStatus(device.fingerprint)).status).toBe('unknown');
      }
      // Our own serial asked of the other tenant is unknown too.
      expect((await fetchStatus(serialOf(live.certificate), h.otherTenant.tenantId)).status).toBe('unknown');
      // Each tenant's CRL lists only its own revocations, signed by its own CA.
      const ours = await fetchCrl();
      expect(ours.findRevoked(serialOf(foreignRetired.certificate))).toBeNull();
      const theirs = await fetchCrl(h.otherTenant.tenantId);
      expect(theirs.findRevoked(serialOf(foreignRetired.certificate))).not.toBeNull();
      expect(theirs.findRevoked(serialOf(retired.certificate))).toBeNull();
      expect(await theirs.verify({ publicKey: new x509.X509Certificate(foreign.caCertificate) })).toBe(true);
      expect(await theirs.verify({ publicKey: new x509.X509Certificate(caPem) })).toBe(false);
    });

    it('lists a device retired before revocations were recorded (no revocation row)', async () => {
      const old = await h.enroll();
      expect((await h.admin('POST', `/v1/admin/devices/${old.deviceId}/retire`)).statusCode).toBe(200);
      await h.testDb.db.db
        .deleteFrom('revoked_certificates')
        .where('fingerprint', '=', old.fingerprint)
        .execute();
      // Such rows predate the server that reads them: a node that starts now (an empty CRL cache).
      const fresh = createPkiService(h.runtime.ctx);
      const crl = new x509.X509Crl((await fresh.crl(h.tenant.tenantId)).der);
      expect(crl.findRevoked(serialOf(old.certificate))?.reason).toBe(
        x509.X509CrlReason.cessationOfOperation,
      );
      expect(await fetchStatus(old.fingerprint)).toMatchObject({
        status: 'revoked',
        reason: 'cessationOfOperation',
      });
    });

    it('answers the same with or without a bearer token, of any tenant or role', async () => {
      const id = serialOf(retired.certificate);
      const anonymous = await fetchStatus(id);
      for (const tenant of [h.tenant, h.otherTenant]) {
        for (const role of ['owner', 'analyst', 'helpdesk'] as const) {
          const reply = await h.app.inject({
            method: 'GET',
            url: statusUrl(id),
            headers: h.auth(role, tenant),
          });
          expect(reply.statusCode).toBe(200);
          expect(reply.json<CertStatus>().status).toBe(anonymous.status);
          const crl = await h.app.inject({ method: 'GET', url: crlUrl(), headers: h.auth(role, tenant) });
          expect(crl.statusCode).toBe(200);
        }
      }
      // Another tenant's token does not make this tenant's certificate known to the other tenant.
      const reply = await h.app.inject({
        method: 'GET',
        url: statusUrl(id, h.otherTenant.tenantId),
        headers: h.auth('owner'),
      });
      expect(reply.json<CertStatus>().status).toBe('unknown');
    });

    it('is public, 404 for an unknown tenant and 400 for bad input, with the standard error body', async () => {
      for (const url of [crlUrl('ten_doesnotexist'), statusUrl(live.fingerprint, 'ten_doesnotexist')]) {
        const reply = await h.app.inject({ method: 'GET', url });
        expect(reply.statusCode, url).toBe(404);
        expect(Object.keys(reply.json()).sort()).toEqual(['code', 'message', 'requestId']);
      }
      for (const url of [
        statusUrl('not-hex'),
        statusUrl('ab'.repeat(33)),
        statusUrl('a'.repeat(63)),
        `${crlUrl()}?format=xml`,
        crlUrl('ten%20x'),
        statusUrl(live.fingerprint, 'ten%2F..'),
      ]) {
        const reply = await h.app.inject({ method: 'GET', url });
        expect(reply.statusCode, url).toBe(400);
        expect(reply.json()).toMatchObject({ code: 'invalid_request', requestId: expect.any(String) });
      }
      // Past Fastify's 100-character path parameter limit no route matches: 404, never 5xx.
      const long = await h.app.inject({ method: 'GET', url: statusUrl('a'.repeat(200)) });
      expect(long.statusCode).toBe(404);
      expect(long.json()).toMatchObject({ code: 'not_found' });
    });

    it('is listed in the OpenAPI document without security', async () => {
      const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, Record<string, { security?: unknown }>>;
      }>();
      expect(doc.paths['/v1/pki/{tenantId}/crl']?.get).toBeDefined();
      expect(doc.paths['/v1/pki/{tenantId}/status/{serialOrFingerprint}']?.get).toBeDefined();
      expect(doc.paths['/v1/pki/{tenantId}/crl']?.get?.security).toEqual([]);
    });
  });
}

// The public routes never write: a tenant without a device CA is 404 (no key generated, no CA row),
// both routes are rate limited per client address, and a signed status is reused while valid.
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `PKI public routes: no writes, limits, cache (${dialect})`,
    () => {
      let h: Harness;
      beforeAll(async () => {
        h = await createAccessHarness(dialect, { limits: { rateLimitWindow: 60, rateLimitDevicePerIp: 6 } });
      });
      afterAll(async () => {
        await h?.close();
      });
      const caRows = async () =>
        Number(
          (
            await h.testDb.db.db
              .selectFrom('device_cas')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );

      it('a tenant without a device CA: CRL and status are 404 and no CA row is created', async () => {
        const fresh = await createTenant(h.runtime.ctx, { name: 'Initech', actor: 'test' });
        const before = await caRows();
        for (const url of [`/v1/pki/${fresh.tenantId}/crl`, `/v1/pki/${fresh.tenantId}/status/0badc0ffee`]) {
          const reply = await h.app.inject({ method: 'GET', url, remoteAddress: '203.0.113.1' });
          expect(reply.statusCode, url).toBe(404);
          expect(Object.keys(reply.json()).sort()).toEqual(['code', 'message', 'requestId']);
        }
        expect(await caRows()).toBe(before);
      });

      it('a signed status is reused while valid and reissued after a revocation', async () => {
        const device = await h.enroll();
        const get = async () => {
          const reply = await h.app.inject({
            method: 'GET',
            url: `/v1/pki/${h.tenant.tenantId}/status/${device.fingerprint}`,
            remoteAddress: '203.0.113.2',
          });
          expect(reply.statusCode, reply.body).toBe(200);
          return reply.json<CertStatus & { jws: string }>();
        };
        const first = await get();
        expect(first.status).toBe('good');
        // ECDSA signatures are randomized: the same JWS means it was not signed again.
        expect((await get()).jws).toBe(first.jws);
        expect((await h.admin('POST', `/v1/admin/devices/${device.deviceId}/retire`)).statusCode).toBe(200);
        const revoked = await get();
        expect(revoked.status).toBe('revoked');
        expect(revoked.jws).not.toBe(first.jws);
      });

      it('both routes answer 429 with Retry-After past the per-address limit', async () => {
        const urls = [`/v1/pki/${h.tenant.tenantId}/crl`, `/v1/pki/${h.tenant.tenantId}/status/0badc0ffee`];
        const codes: number[] = [];
        for (let i = 0; i < 6; i += 1) {
          const reply = await h.app.inject({
            method: 'GET',
            url: urls[i % 2] ?? '',
            remoteAddress: '203.0.113.9',
          });
          codes.push(reply.statusCode);
        }
        expect(codes).toEqual([200, 200, 200, 200, 200, 200]);
        for (const url of urls) {
          const limited = await h.app.inject({ method: 'GET', url, remoteAddress: '203.0.113.9' });
          expect(limited.statusCode, url).toBe(429);
          expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
          expect(limited.json()).toMatchObject({ code: 'rate_limited' });
        }
        // Another address is not limited.
        const other = await h.app.inject({
          method: 'GET',
          url: urls[0] ?? '',
          remoteAddress: '203.0.113.10',
        });
        expect(other.statusCode).toBe(200);
      });
    },
  );
}
