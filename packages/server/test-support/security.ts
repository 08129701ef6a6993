import { expect } from 'vitest';
import { TestDevice } from './device.ts';
import type { Harness } from './harness.ts';

/** Enrolls a new device of the harness's main tenant (or `tenant`) and returns its key. */
export async function enrollTestDevice(
  h: Harness,
  options: { readonly tenant?: Harness['tenant']; readonly user?: string } = {},
): Promise<TestDevice> {
  const tenant = options.tenant ?? h.tenant;
  const token = await h.app.inject({
    method: 'POST',
    url: '/v1/admin/enrollment-tokens',
    headers: h.auth('owner', tenant),
    payload: { ownership: 'corporate', expiresInHours: 1, maxUses: 1 },
  });
  expect(token.statusCode).toBe(201);
  const device = new TestDevice();
  const body = {
    token: token.json().token,
    publicKey: device.jwk,
    device: { platform: 'android', ...(options.user === undefined ? {} : { user: options.user }) },
  };
  const reply = await h.app.inject(
    device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
  );
  expect(reply.statusCode).toBe(201);
  device.deviceId = reply.json().deviceId;
  return device;
}
