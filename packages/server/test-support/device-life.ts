import { X509Certificate } from 'node:crypto';
import { expect } from 'vitest';
import type { AccessHarness, EnrolledDevice } from './access.ts';
import { TestDevice } from './device.ts';
import { accessStatusOf, compliancePolicy } from './device-state.ts';

/** A realistic life: enrolled, reports with a threat, triage, access checks, re-enrolled, reports again. */
export async function liveALife(
  h: AccessHarness,
): Promise<{ device: EnrolledDevice; other: EnrolledDevice }> {
  expect((await h.admin('POST', '/v1/admin/compliance-policies', compliancePolicy('low'))).statusCode).toBe(
    201,
  );
  const device = await h.enroll(h.tenant, 'personal');
  const other = await h.enroll();
  await h.report(device, true);
  await h.report(other, true);
  expect(await accessStatusOf(h, device)).toBe(403);
  const threats = await h.admin('GET', `/v1/admin/devices/${device.deviceId}`);
  const threatId = threats.json<{ threats: { id: string }[] }>().threats[0]?.id;
  expect(threatId).toBeDefined();
  expect((await h.admin('POST', `/v1/admin/threats/${threatId}/ignore`)).statusCode).toBe(200);
  expect(await accessStatusOf(h, device)).toBe(200);
  expect((await h.admin('POST', `/v1/admin/threats/${threatId}/reactivate`)).statusCode).toBe(200);
  expect(await accessStatusOf(h, device)).toBe(403);
  // Re-enrolled with a new key, approved by an admin.
  expect((await h.admin('POST', `/v1/admin/devices/${device.deviceId}/reenrollment`)).statusCode).toBe(201);
  const token = await h.app.inject({
    method: 'POST',
    url: '/v1/admin/enrollment-tokens',
    headers: h.auth('owner'),
    payload: { ownership: 'personal', expiresInHours: 1, maxUses: 1 },
  });
  const key = new TestDevice();
  key.deviceId = device.deviceId;
  const body = {
    token: token.json().token,
    publicKey: key.jwk,
    deviceId: device.deviceId,
    device: { platform: 'android', user: 'alice@acme.test' },
  };
  const reply = await h.app.inject(
    key.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
  );
  expect(reply.statusCode, reply.body).toBe(201);
  const certificate = reply.json<{ certificate: string }>().certificate;
  const renewed: EnrolledDevice = {
    ...device,
    key,
    certificate,
    fingerprint: new X509Certificate(certificate).fingerprint256.replaceAll(':', '').toLowerCase(),
  };
  await h.report(renewed, true);
  expect(await accessStatusOf(h, renewed)).toBe(403);
  await h.access.log.flush(); // the access log is written in batches
  return { device: renewed, other };
}
