import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALKERWARE_APP, stalkerwareIntelSource } from '../../test-support/access.ts';
import { TestDevice } from '../../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';
import { type Operation, operationsOf } from '../../test-support/openapi-fuzz.ts';
import { enrollTestDevice } from '../../test-support/security.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';
import { NONCE_TTL_MS } from '../device-identity/request-signature.ts';
import { deleteExpiredDeviceNonces } from '../queries/device-nonces.ts';

/**
 * Issue 11, part A: the device-authentication matrix (docs/agent-protocol.md § Authentication
 * matrix). Every signed device route of the live OpenAPI document × every attack on its
 * signature: each answers the exact status and error code, never 5xx, and changes nothing (the
 * device row with its last-seen time, threats, nonces, reports, snapshots, attestation
 * challenges, history, the tenant's outbox and audit log, revoked certificates, enrollment-token
 * uses). Then the same for re-enrollment (`POST /v1/device/enroll` with a `deviceId`). Routes are
 * read from /openapi.json, so a signed device route added later is attacked without touching this
 * file (its correctly signed control request must succeed: add its body to GOOD_BODIES).
 */

const ENROLL = '/v1/device/enroll';
const PROOF_HEADER = 'x-riskgate-device-proof';
const SIGNATURE_HEADER = 'x-riskgate-signature';

/** The signed device routes (kid-signed; enrollment is self-signed and has its own table below). */
async function signedDeviceRoutes(): Promise<Operation[]> {
  const h = await createHarness('sqlite');
  try {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    return operationsOf(doc).filter((op) => op.security === 'deviceSignature' && op.path !== ENROLL);
  } finally {
    await h.close();
  }
}

const ROUTES = await signedDeviceRoutes();
const routeName = (route: Operation) => `${route.method} ${route.path}`;

/** A body a route accepts, as text (`undefined`: no body). A report with stalkerware changes a lot. */
const GOOD_BODIES: Readonly<Record<string, (now: Date) => unknown>> = {
  'POST /v1/device/reports': (now) => ({
    reportId: randomUUID(),
    kind: 'full',
    snapshot: cleanAndroidSnapshot(now, [storeApp(STALKERWARE_APP)]),
  }),
};

interface Target {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly body: string | undefined;
}

function targetOf(route: Operation, now: Date): Target {
  const body = GOOD_BODIES[routeName(route)];
  return {
    method: route.method === 'GET' ? 'GET' : 'POST',
    url: route.path,
    body: body === undefined ? undefined : JSON.stringify(body(now)),
  };
}

type SignOptions = Parameters<TestDevice['sign']>[4];

/** `target` signed by `key` (its `deviceId` is the kid), with claim overrides. */
function signed(key: TestDevice, target: Target, now: Date, options: SignOptions = {}): InjectOptions {
  return withSignature(target, key.sign(target.method, target.url, target.body ?? '', now, options));
}

function withSignature(target: Target, signature: string | undefined): InjectOptions {
  return {
    method: target.method,
    url: target.url,
    headers: {
      ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }),
      ...(target.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(target.body === undefined ? {} : { payload: target.body }),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const seconds = (now: Date) => Math.floor(now.getTime() / 1000);

/** A compact JWS with any header and payload, signed by HMAC-SHA256 with `key` (or unsigned). */
function forgedJws(header: object, payload: object, hmacKey?: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    hmacKey === undefined ? '' : createHmac('sha256', hmacKey).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** The claims of a correct signature over `target`, for forged headers. */
function claimsOf(target: Target, now: Date) {
  return {
    m: target.method,
    p: target.url,
    bd: createHash('sha256')
      .update(target.body ?? '')
      .digest('base64url'),
    ts: seconds(now),
    n: randomBytes(16).toString('base64url'),
  };
}

/** What an attack has to work with. */
interface AttackContext {
  readonly h: Harness;
  readonly route: Operation;
  readonly victim: TestDevice;
  readonly target: Target;
  readonly now: Date;
  /** Another signed route than this one (the first other in the document, else a made-up path). */
  readonly otherTarget: Target;
}

interface Refusal {
  readonly status: number;
  readonly code: string;
}

const BAD_SIGNATURE: Refusal = { status: 401, code: 'bad_signature' };
const STALE: Refusal = { status: 401, code: 'stale_request' };
const REPLAYED: Refusal = { status: 401, code: 'replayed_nonce' };

/**
 * One attack on a signed route: `prepare` runs before the state is recorded (it may send accepted
 * requests, retire or re-enroll the device) and returns the hostile request.
 */
interface Attack {
  readonly name: string;
  readonly expected: Refusal;
  prepare(ctx: AttackContext): InjectOptions | Promise<InjectOptions>;
}

async function accepted(h: Harness, request: InjectOptions): Promise<void> {
  const reply = await h.app.inject(request);
  expect(reply.statusCode, reply.body).toBeLessThan(300);
}

async function retire(h: Harness, deviceId: string | undefined): Promise<void> {
  const reply = await h.app.inject({
    method: 'POST',
    url: `/v1/admin/devices/${deviceId}/retire`,
    headers: h.auth('admin'),
  });
  expect(reply.statusCode, reply.body).toBe(200);
}

async function enrollmentToken(
  h: Harness,
  tenant: Harness['tenant'] = h.tenant,
  maxUses: number | null = 1,
): Promise<string> {
  const reply = await h.app.inject({
    method: 'POST',
    url: '/v1/admin/enrollment-tokens',
    headers: h.auth('admin', tenant),
    payload: { ownership: 'corporate', expiresInHours: 1, maxUses },
  });
  expect(reply.statusCode, reply.body).toBe(201);
  return reply.json<{ token: string }>().token;
}

/**
 * The enrollment request of `key` for `deviceId` with its token, and a proof by `prover` (whose
 * `deviceId` is the proof's kid) unless `prover` is undefined.
 */
function reenrollRequest(
  now: Date,
  key: TestDevice,
  token: string,
  deviceId: string | undefined,
  prover: TestDevice | undefined,
  proofOptions: SignOptions = {},
): InjectOptions & { readonly payload: string; readonly headers: Record<string, string> } {
  const text = JSON.stringify({
    token,
    publicKey: key.jwk,
    device: { platform: 'android', user: 'mallory@example.com' },
    ...(deviceId === undefined ? {} : { deviceId }),
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: key.sign('POST', ENROLL, text, now, { withJwk: true }),
  };
  if (prover !== undefined) headers[PROOF_HEADER] = prover.sign('POST', ENROLL, text, now, proofOptions);
  return { method: 'POST', url: ENROLL, headers, payload: text };
}

/** Re-enrolls `device` with a new key proved by the current one; returns the new key. */
async function reenroll(h: Harness, device: TestDevice): Promise<TestDevice> {
  const next = new TestDevice();
  const reply = await h.app.inject(
    reenrollRequest(h.clock.now, next, await enrollmentToken(h), device.deviceId, device),
  );
  expect(reply.statusCode, reply.body).toBe(201);
  next.deviceId = device.deviceId;
  return next;
}

const MALFORMED_SIGNATURES: readonly { readonly name: string; make(ctx: AttackContext): string }[] = [
  { name: 'empty', make: () => '' },
  { name: 'one part', make: () => 'abc' },
  {
    name: 'two parts',
    make: (c) => c.victim.sign(c.target.method, c.target.url, '', c.now).split('.', 2).join('.'),
  },
  {
    name: 'four parts',
    make: (c) => `${c.victim.sign(c.target.method, c.target.url, c.target.body ?? '', c.now)}.AA`,
  },
  { name: 'not base64url', make: () => 'a*b.c$d.e!f' },
  { name: 'header not JSON', make: () => `${Buffer.from('{').toString('base64url')}.${b64({})}.AA` },
  {
    name: 'payload without a nonce',
    make: (c) => {
      const { n: _n, ...claims } = claimsOf(c.target, c.now);
      return forgedJws({ alg: 'ES256', kid: c.victim.deviceId }, claims, 'x');
    },
  },
  {
    name: 'time as a string',
    make: (c) =>
      forgedJws(
        { alg: 'ES256', kid: c.victim.deviceId },
        { ...claimsOf(c.target, c.now), ts: String(seconds(c.now)) },
        'x',
      ),
  },
  {
    name: 'short nonce',
    make: (c) => c.victim.sign(c.target.method, c.target.url, c.target.body ?? '', c.now, { n: 'c2hvcnQ' }),
  },
  {
    name: 'nonce with padding characters',
    make: (c) =>
      c.victim.sign(c.target.method, c.target.url, c.target.body ?? '', c.now, { n: `${'A'.repeat(22)}==` }),
  },
  {
    name: 'over 4096 characters',
    make: (c) =>
      `${c.victim.sign(c.target.method, c.target.url, c.target.body ?? '', c.now)}${'A'.repeat(4100)}`,
  },
  {
    name: 'signature bit flipped',
    make: (c) => {
      const jws = c.victim.sign(c.target.method, c.target.url, c.target.body ?? '', c.now);
      const [head, payload, signature = ''] = jws.split('.');
      const bytes = Buffer.from(signature, 'base64url');
      bytes[10] = (bytes[10] ?? 0) ^ 1;
      return `${head}.${payload}.${bytes.toString('base64url')}`;
    },
  },
  {
    name: 'no kid',
    make: (c) =>
      Object.assign(new TestDevice(), { deviceId: undefined }).sign(
        c.target.method,
        c.target.url,
        c.target.body ?? '',
        c.now,
      ),
  },
  {
    name: 'kid over 64 characters',
    make: (c) =>
      Object.assign(new TestDevice(), { deviceId: `dev_${'a'.repeat(80)}` }).sign(
        c.target.method,
        c.target.url,
        c.target.body ?? '',
        c.now,
      ),
  },
  {
    name: 'unknown kid',
    make: (c) =>
      Object.assign(new TestDevice(), { deviceId: 'dev_000000000000000000000000' }).sign(
        c.target.method,
        c.target.url,
        c.target.body ?? '',
        c.now,
      ),
  },
];

/** Keys an HS256 forger might try: the device's public key in the forms a server could hold. */
const HMAC_KEYS: readonly { readonly name: string; key(device: TestDevice): string }[] = [
  { name: 'the public JWK as JSON', key: (d) => JSON.stringify(d.jwk) },
  { name: 'the public key x coordinate', key: (d) => d.jwk.x },
];

const ATTACKS: readonly Attack[] = [
  {
    name: 'no signature',
    expected: BAD_SIGNATURE,
    prepare: (c) => withSignature(c.target, undefined),
  },
  ...MALFORMED_SIGNATURES.map(
    (malformed): Attack => ({
      name: `malformed JWS: ${malformed.name}`,
      expected: BAD_SIGNATURE,
      prepare: (c) => withSignature(c.target, malformed.make(c)),
    }),
  ),
  {
    name: 'malformed JWS: kid with control characters',
    expected: { status: 400, code: 'invalid_request' },
    prepare: (c) =>
      withSignature(
        c.target,
        Object.assign(new TestDevice(), { deviceId: 'dev_\u0000\u202e' }).sign(
          c.target.method,
          c.target.url,
          c.target.body ?? '',
          c.now,
        ),
      ),
  },
  {
    name: 'wrong alg: none, no signature',
    expected: BAD_SIGNATURE,
    prepare: (c) =>
      withSignature(c.target, forgedJws({ alg: 'none', kid: c.victim.deviceId }, claimsOf(c.target, c.now))),
  },
  ...HMAC_KEYS.flatMap((hmac): Attack[] => [
    {
      name: `wrong alg: HS256 keyed with ${hmac.name}`,
      expected: BAD_SIGNATURE,
      prepare: (c) =>
        withSignature(
          c.target,
          forgedJws({ alg: 'HS256', kid: c.victim.deviceId }, claimsOf(c.target, c.now), hmac.key(c.victim)),
        ),
    },
    {
      name: `wrong alg: header says ES256, HMAC keyed with ${hmac.name}`,
      expected: BAD_SIGNATURE,
      prepare: (c) =>
        withSignature(
          c.target,
          forgedJws({ alg: 'ES256', kid: c.victim.deviceId }, claimsOf(c.target, c.now), hmac.key(c.victim)),
        ),
    },
  ]),
  {
    name: 'wrong alg: ES384 header over an ES256 signature',
    expected: BAD_SIGNATURE,
    prepare: (c) => {
      const jws = c.victim.sign(c.target.method, c.target.url, c.target.body ?? '', c.now);
      const [, payload, signature] = jws.split('.');
      return withSignature(
        c.target,
        `${b64({ alg: 'ES384', typ: 'riskgate-request+jws', kid: c.victim.deviceId })}.${payload}.${signature}`,
      );
    },
  },
  {
    name: 'replayed nonce: the same request again',
    expected: REPLAYED,
    prepare: async (c) => {
      const request = signed(c.victim, c.target, c.now);
      await accepted(c.h, request);
      return request;
    },
  },
  {
    name: 'replayed nonce: a fresh signature reusing a used nonce',
    expected: REPLAYED,
    prepare: async (c) => {
      const n = randomBytes(16).toString('base64url');
      await accepted(c.h, signed(c.victim, c.target, c.now, { n }));
      const later = targetOf(c.route, c.now);
      return signed(c.victim, later, new Date(c.now.getTime() + 5_000), { n });
    },
  },
  {
    name: 'stale time: 301 s old',
    expected: STALE,
    prepare: (c) => signed(c.victim, c.target, c.now, { ts: seconds(c.now) - 301 }),
  },
  {
    name: 'future time: 301 s ahead',
    expected: STALE,
    prepare: (c) => signed(c.victim, c.target, c.now, { ts: seconds(c.now) + 301 }),
  },
  {
    name: 'stale time: the epoch',
    expected: STALE,
    prepare: (c) => signed(c.victim, c.target, c.now, { ts: 0 }),
  },
  {
    name: 'tampered body after signing',
    expected: BAD_SIGNATURE,
    prepare: (c) => {
      const request = signed(c.victim, c.target, c.now);
      const body =
        c.target.body === undefined ? '{}' : c.target.body.replace(STALKERWARE_APP, 'com.example.ok');
      expect(body).not.toBe(c.target.body);
      return {
        ...request,
        headers: { ...request.headers, 'content-type': 'application/json' },
        payload: body,
      };
    },
  },
  {
    name: 'tampered path after signing (signed for another route)',
    expected: BAD_SIGNATURE,
    prepare: (c) => signed(c.victim, c.target, c.now, { p: c.otherTarget.url }),
  },
  {
    name: 'tampered method after signing',
    expected: BAD_SIGNATURE,
    prepare: (c) => signed(c.victim, c.target, c.now, { m: c.target.method === 'GET' ? 'POST' : 'GET' }),
  },
  {
    name: 'tampered query after signing (added)',
    expected: BAD_SIGNATURE,
    prepare: (c) => {
      const request = signed(c.victim, c.target, c.now);
      return { ...request, url: `${c.target.url}?deviceId=other` };
    },
  },
  {
    name: 'tampered query after signing (removed)',
    expected: BAD_SIGNATURE,
    prepare: (c) => signed(c.victim, c.target, c.now, { p: `${c.target.url}?v=1` }),
  },
  {
    name: "another device's key with this device's kid",
    expected: BAD_SIGNATURE,
    prepare: async (c) => {
      const other = await enrollTestDevice(c.h);
      return signed(Object.assign(other, { deviceId: c.victim.deviceId }), c.target, c.now);
    },
  },
  {
    name: "a fresh key with this device's kid",
    expected: BAD_SIGNATURE,
    prepare: (c) => signed(Object.assign(new TestDevice(), { deviceId: c.victim.deviceId }), c.target, c.now),
  },
  {
    name: "another tenant's device key with this device's kid",
    expected: BAD_SIGNATURE,
    prepare: async (c) => {
      const foreign = await enrollTestDevice(c.h, { tenant: c.h.otherTenant });
      return signed(Object.assign(foreign, { deviceId: c.victim.deviceId }), c.target, c.now);
    },
  },
  {
    name: "this device's key with another tenant's device kid",
    expected: BAD_SIGNATURE,
    prepare: async (c) => {
      const foreign = await enrollTestDevice(c.h, { tenant: c.h.otherTenant });
      const key = Object.assign(Object.create(TestDevice.prototype) as TestDevice, c.victim, {
        deviceId: foreign.deviceId,
      });
      return signed(key, c.target, c.now);
    },
  },
  {
    name: 'retired device',
    expected: BAD_SIGNATURE,
    prepare: async (c) => {
      await retire(c.h, c.victim.deviceId);
      return signed(c.victim, c.target, c.now);
    },
  },
  {
    name: 'key superseded by re-enrollment',
    expected: BAD_SIGNATURE,
    prepare: async (c) => {
      const next = await reenroll(c.h, c.victim);
      await accepted(c.h, signed(next, targetOf(c.route, c.now), c.now));
      return signed(c.victim, c.target, c.now);
    },
  },
];

/** One attack on re-enrollment of the device `victim` (docs/agent-protocol.md §3). */
interface ReenrollAttack {
  readonly name: string;
  readonly expected: Refusal;
  /** The device whose state must not change (default: the victim). */
  prepare(c: {
    readonly h: Harness;
    readonly victim: TestDevice;
    readonly now: Date;
  }): Promise<InjectOptions>;
}

const NOT_AUTHORIZED: Refusal = { status: 403, code: 'reenrollment_not_authorized' };

const REENROLL_ATTACKS: readonly ReenrollAttack[] = [
  {
    name: 'an enrollment token alone for an existing deviceId',
    expected: NOT_AUTHORIZED,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, undefined),
  },
  {
    name: "an enrollment token alone, with an admin's approval for another device",
    expected: NOT_AUTHORIZED,
    prepare: async ({ h, victim, now }) => {
      const other = await enrollTestDevice(h);
      const approval = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/devices/${other.deviceId}/reenrollment`,
        headers: h.auth('admin'),
      });
      expect(approval.statusCode, approval.body).toBe(201);
      return reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, undefined);
    },
  },
  {
    name: 'a proof by a foreign key naming the device',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        Object.assign(new TestDevice(), { deviceId: victim.deviceId }),
      ),
  },
  {
    name: 'a proof by the new key itself naming the device',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) => {
      const key = new TestDevice();
      return reenrollRequest(
        now,
        key,
        await enrollmentToken(h),
        victim.deviceId,
        Object.assign(Object.create(TestDevice.prototype) as TestDevice, key, { deviceId: victim.deviceId }),
      );
    },
  },
  {
    name: 'a proof by another device of the tenant, naming itself',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        await enrollTestDevice(h),
      ),
  },
  {
    name: 'a proof by another device of the tenant, naming this device',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        Object.assign(await enrollTestDevice(h), { deviceId: victim.deviceId }),
      ),
  },
  {
    name: "a proof by another tenant's device, naming this device",
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        Object.assign(await enrollTestDevice(h, { tenant: h.otherTenant }), { deviceId: victim.deviceId }),
      ),
  },
  {
    name: 'a proof over another body',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) => {
      const request = reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        undefined,
      );
      return {
        ...request,
        headers: { ...request.headers, [PROOF_HEADER]: victim.sign('POST', ENROLL, '{"token":"x"}', now) },
      };
    },
  },
  {
    name: 'a proof for another path',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, victim, {
        p: '/v1/device/status',
      }),
  },
  {
    name: 'a stale proof (301 s old)',
    expected: STALE,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, victim, {
        ts: seconds(now) - 301,
      }),
  },
  {
    name: 'a future proof (301 s ahead)',
    expected: STALE,
    prepare: async ({ h, victim, now }) =>
      reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, victim, {
        ts: seconds(now) + 301,
      }),
  },
  {
    name: 'a malformed proof',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) => {
      const request = reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        undefined,
      );
      return { ...request, headers: { ...request.headers, [PROOF_HEADER]: 'a.b.c' } };
    },
  },
  {
    name: 'a proof with alg none',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) => {
      const request = reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        undefined,
      );
      const target: Target = { method: 'POST', url: ENROLL, body: request.payload };
      return {
        ...request,
        headers: {
          ...request.headers,
          [PROOF_HEADER]: forgedJws({ alg: 'none', kid: victim.deviceId }, claimsOf(target, now)),
        },
      };
    },
  },
  {
    name: 'proof replay: a nonce the device already used on a signed route',
    expected: REPLAYED,
    prepare: async ({ h, victim, now }) => {
      const n = randomBytes(16).toString('base64url');
      await accepted(
        h,
        signed(victim, { method: 'GET', url: '/v1/device/status', body: undefined }, now, { n }),
      );
      return reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, victim, { n });
    },
  },
  {
    name: 'proof replay: a captured proof attached to another enrollment',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) => {
      const captured = reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        victim,
      );
      const request = reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        undefined,
      );
      return {
        ...request,
        headers: { ...request.headers, [PROOF_HEADER]: captured.headers[PROOF_HEADER] ?? '' },
      };
    },
  },
  {
    name: 'proof replay: an accepted re-enrollment sent again',
    expected: REPLAYED,
    prepare: async ({ h, victim, now }) => {
      const request = reenrollRequest(
        now,
        new TestDevice(),
        await enrollmentToken(h),
        victim.deviceId,
        victim,
      );
      await accepted(h, request);
      return request;
    },
  },
  {
    name: 'a proof by the key re-enrollment superseded',
    expected: BAD_SIGNATURE,
    prepare: async ({ h, victim, now }) => {
      await reenroll(h, victim);
      return reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, victim);
    },
  },
  {
    name: 'a retired device, even with a proof by its key',
    expected: { status: 409, code: 'conflict' },
    prepare: async ({ h, victim, now }) => {
      await retire(h, victim.deviceId);
      return reenrollRequest(now, new TestDevice(), await enrollmentToken(h), victim.deviceId, victim);
    },
  },
  {
    name: "another tenant's device id, even with that device's proof",
    expected: { status: 404, code: 'not_found' },
    prepare: async ({ h, victim, now }) => {
      const foreign = await enrollTestDevice(h, { tenant: h.otherTenant });
      // The victim's state is checked; the foreign device is the one named (its row must not move either).
      victim.deviceId = foreign.deviceId;
      return reenrollRequest(now, new TestDevice(), await enrollmentToken(h), foreign.deviceId, foreign);
    },
  },
];

/** One attack on the enrollment of a new device (self-signed with `jwk`, docs/agent-protocol.md §3). */
interface EnrollAttack {
  readonly name: string;
  readonly expected: Refusal;
  prepare(c: {
    readonly h: Harness;
    readonly now: Date;
    readonly token: string;
  }): InjectOptions | Promise<InjectOptions>;
}

/** A correct enrollment request of a new key, as a target and its signer. */
function newEnrollment(token: string): { readonly key: TestDevice; readonly target: Target } {
  const key = new TestDevice();
  const body = JSON.stringify({
    token,
    publicKey: key.jwk,
    device: { platform: 'ios', user: 'eve@example.com' },
  });
  return { key, target: { method: 'POST', url: ENROLL, body } };
}

const enrollSigned = (key: TestDevice, target: Target, now: Date, options: SignOptions = {}) =>
  signed(key, target, now, { ...options, withJwk: true });

const ENROLL_ATTACKS: readonly EnrollAttack[] = [
  {
    name: 'no signature',
    expected: BAD_SIGNATURE,
    prepare: ({ token }) => withSignature(newEnrollment(token).target, undefined),
  },
  {
    name: 'malformed JWS',
    expected: BAD_SIGNATURE,
    prepare: ({ token }) => withSignature(newEnrollment(token).target, 'a.b.c'),
  },
  {
    name: 'wrong alg: none, no signature',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return withSignature(target, forgedJws({ alg: 'none', jwk: key.jwk }, claimsOf(target, now)));
    },
  },
  {
    name: 'wrong alg: HS256 keyed with the public JWK',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return withSignature(
        target,
        forgedJws({ alg: 'HS256', jwk: key.jwk }, claimsOf(target, now), JSON.stringify(key.jwk)),
      );
    },
  },
  {
    name: 'signed with a kid instead of the jwk',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return signed(Object.assign(key, { deviceId: 'dev_000000000000000000000000' }), target, now);
    },
  },
  {
    name: 'header jwk (and signature) of another key than the body publicKey',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => enrollSigned(new TestDevice(), newEnrollment(token).target, now),
  },
  {
    name: 'stale time: 301 s old',
    expected: STALE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return enrollSigned(key, target, now, { ts: seconds(now) - 301 });
    },
  },
  {
    name: 'future time: 301 s ahead',
    expected: STALE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return enrollSigned(key, target, now, { ts: seconds(now) + 301 });
    },
  },
  {
    name: 'tampered body after signing',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return { ...enrollSigned(key, target, now), payload: (target.body ?? '').replace('eve@', 'ceo@') };
    },
  },
  {
    name: 'tampered path after signing (signed for another route)',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return enrollSigned(key, target, now, { p: '/v1/device/reports' });
    },
  },
  {
    name: 'tampered method after signing',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return enrollSigned(key, target, now, { m: 'PUT' });
    },
  },
  {
    name: 'tampered query after signing (added)',
    expected: BAD_SIGNATURE,
    prepare: ({ token, now }) => {
      const { key, target } = newEnrollment(token);
      return { ...enrollSigned(key, target, now), url: `${ENROLL}?deviceId=dev_x` };
    },
  },
  {
    name: 'an accepted enrollment sent again (counted token)',
    expected: REPLAYED,
    prepare: async ({ h, token, now }) => {
      const { key, target } = newEnrollment(token);
      const request = enrollSigned(key, target, now);
      const reply = await h.app.inject(request);
      expect(reply.statusCode, reply.body).toBe(201);
      return request;
    },
  },
];

/** What an enrollment could change in the tenant. */
async function tenantStateOf(h: Harness) {
  const db = h.testDb.db.db;
  const tenantId = h.tenant.tenantId;
  const count = async (table: string) =>
    Number(
      (
        await sql<{
          n: number | string;
        }>`select count(*) as n from ${sql.table(table)} where tenant_id = ${tenantId}`.execute(db)
      ).rows[0]?.n,
    );
  return {
    devices: await count('devices'),
    nonces: await count('device_nonces'),
    history: await count('device_history'),
    audit: await count('audit_log'),
    outbox: await count('outbox'),
    tokenUses: (
      await db
        .selectFrom('enrollment_tokens')
        .select(['id', 'uses_left'])
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute()
    ).map((row) => `${row.id}:${row.uses_left}`),
  };
}

/** Everything an accepted device request could change, for one device and its tenant. */
async function stateOf(h: Harness, deviceId: string | undefined) {
  const db = h.testDb.db.db;
  const id = deviceId ?? '';
  const tenantId = h.tenant.tenantId;
  const count = async (table: string, column: 'device_id' | 'tenant_id', value: string) =>
    Number(
      (
        await sql<{
          n: number | string;
        }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(db)
      ).rows[0]?.n,
    );
  return {
    device: await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst(),
    threats: await count('threats', 'device_id', id),
    nonces: await count('device_nonces', 'device_id', id),
    reports: await count('reports', 'device_id', id),
    snapshots: await count('snapshots', 'device_id', id),
    challenges: await count('attestation_challenges', 'device_id', id),
    history: await count('device_history', 'device_id', id),
    outbox: await count('outbox', 'tenant_id', tenantId),
    audit: await count('audit_log', 'tenant_id', tenantId),
    revoked: await count('revoked_certificates', 'tenant_id', tenantId),
    tokenUses: (
      await db
        .selectFrom('enrollment_tokens')
        .select(['id', 'uses_left'])
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute()
    ).map((row) => `${row.id}:${row.uses_left}`),
  };
}

function expectRefusal(reply: LightMyRequestResponse, expected: Refusal): void {
  expect({ status: reply.statusCode, code: reply.json().code }, reply.body).toEqual({
    status: expected.status,
    code: expected.code,
  });
  expect(reply.json().requestId).toEqual(expect.any(String));
}

const CASES = ROUTES.flatMap((route) =>
  ATTACKS.map((attack) => ({ route, attack, what: `${routeName(route)} × ${attack.name}` })),
);

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`device authentication matrix (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect, { intel: await stalkerwareIntelSource() });
    });
    afterAll(async () => {
      await h?.close();
    });

    function contextOf(route: Operation, victim: TestDevice): AttackContext {
      const other =
        ROUTES.find((r) => r !== route && r.method === route.method) ?? ROUTES.find((r) => r !== route);
      const now = h.clock.now;
      return {
        h,
        route,
        victim,
        target: targetOf(route, now),
        now,
        otherTarget:
          other === undefined
            ? { method: 'GET', url: '/v1/device/other', body: undefined }
            : targetOf(other, now),
      };
    }

    it('reads the signed device routes from the OpenAPI document', () => {
      expect(ROUTES.map(routeName)).toEqual(
        expect.arrayContaining([
          'GET /v1/device/status',
          'POST /v1/device/reports',
          'POST /v1/device/attestation/challenge',
        ]),
      );
      console.info(
        `device auth matrix (${dialect}): ${ROUTES.length} routes × ${ATTACKS.length} attacks = ${CASES.length} cases, plus replay races and re-enrollment`,
      );
    });

    it.each(ROUTES.map((route) => ({ route, what: routeName(route) })))(
      '$what: a correctly signed request is accepted (the control)',
      async ({ route }) => {
        const victim = await enrollTestDevice(h);
        await accepted(h, signed(victim, targetOf(route, h.clock.now), h.clock.now));
      },
    );

    it.each(CASES)('$what', async ({ route, attack }) => {
      const victim = await enrollTestDevice(h);
      const request = await attack.prepare(contextOf(route, victim));
      const before = await stateOf(h, victim.deviceId);
      const reply = await h.app.inject(request);
      expectRefusal(reply, attack.expected);
      expect(await stateOf(h, victim.deviceId)).toEqual(before);
    });

    it.each(ROUTES.map((route) => ({ route, what: routeName(route) })))(
      '$what: 20 concurrent copies of one signed request, exactly one accepted',
      async ({ route }) => {
        const victim = await enrollTestDevice(h);
        const request = signed(victim, targetOf(route, h.clock.now), h.clock.now);
        const before = await stateOf(h, victim.deviceId);
        const replies = await Promise.all(Array.from({ length: 20 }, () => h.app.inject(request)));
        const statuses = replies.map((reply) => reply.statusCode);
        expect(statuses.filter((status) => status < 300)).toHaveLength(1);
        for (const reply of replies.filter((r) => r.statusCode >= 300)) expectRefusal(reply, REPLAYED);
        const after = await stateOf(h, victim.deviceId);
        expect(after.nonces).toBe(before.nonces + 1);
        expect(after.reports - before.reports).toBeLessThanOrEqual(1);
        expect(after.challenges - before.challenges).toBeLessThanOrEqual(1);
      },
    );
    it.each(
      REENROLL_ATTACKS.map((attack) => ({ attack, what: `POST ${ENROLL} (re-enrollment) × ${attack.name}` })),
    )('$what', async ({ attack }) => {
      const victim = await enrollTestDevice(h);
      const request = await attack.prepare({ h, victim, now: h.clock.now });
      const before = await stateOf(h, victim.deviceId);
      const reply = await h.app.inject(request);
      expectRefusal(reply, attack.expected);
      expect(await stateOf(h, victim.deviceId)).toEqual(before);
    });

    it('re-enrollment: 20 concurrent copies of one proved request, exactly one accepted', async () => {
      const victim = await enrollTestDevice(h);
      const request = reenrollRequest(
        h.clock.now,
        new TestDevice(),
        await enrollmentToken(h, h.tenant, null),
        victim.deviceId,
        victim,
      );
      const replies = await Promise.all(Array.from({ length: 20 }, () => h.app.inject(request)));
      expect(replies.filter((reply) => reply.statusCode === 201)).toHaveLength(1);
      for (const reply of replies.filter((r) => r.statusCode !== 201)) expectRefusal(reply, REPLAYED);
    });

    it('re-enrollment: 20 concurrent new keys, each proved by the current key, exactly one wins', async () => {
      const victim = await enrollTestDevice(h);
      const token = await enrollmentToken(h, h.tenant, null);
      const keys = Array.from({ length: 20 }, () => new TestDevice());
      const replies = await Promise.all(
        keys.map((key) => h.app.inject(reenrollRequest(h.clock.now, key, token, victim.deviceId, victim))),
      );
      expect(replies.filter((reply) => reply.statusCode >= 500).map((reply) => reply.body)).toEqual([]);
      const winners = keys.filter((_, i) => replies[i]?.statusCode === 201);
      expect(winners).toHaveLength(1);
      for (const reply of replies.filter((r) => r.statusCode !== 201))
        expectRefusal(reply, { status: 409, code: 'conflict' });
      // Only the winner's key signs for the device now.
      for (const key of [victim, ...keys]) {
        const probe = Object.assign(Object.create(TestDevice.prototype) as TestDevice, key, {
          deviceId: victim.deviceId,
        });
        const reply = await h.app.inject(
          signed(probe, { method: 'GET', url: '/v1/device/status', body: undefined }, h.clock.now),
        );
        expect(reply.statusCode).toBe(winners.includes(key) ? 200 : 401);
      }
    });
    it.each(
      ENROLL_ATTACKS.map((attack) => ({ attack, what: `POST ${ENROLL} (new device) × ${attack.name}` })),
    )('$what', async ({ attack }) => {
      const token = await enrollmentToken(h, h.tenant, 5);
      const request = await attack.prepare({ h, now: h.clock.now, token });
      const before = await tenantStateOf(h);
      const reply = await h.app.inject(request);
      expectRefusal(reply, attack.expected);
      expect(await tenantStateOf(h)).toEqual(before);
    });

    it(`POST ${ENROLL} (new device): 20 concurrent copies of one enrollment, exactly one device`, async () => {
      const { key, target } = newEnrollment(await enrollmentToken(h, h.tenant, null));
      const request = enrollSigned(key, target, h.clock.now);
      const before = await tenantStateOf(h);
      const replies = await Promise.all(Array.from({ length: 20 }, () => h.app.inject(request)));
      expect(replies.filter((reply) => reply.statusCode === 201)).toHaveLength(1);
      for (const reply of replies.filter((r) => r.statusCode !== 201)) expectRefusal(reply, REPLAYED);
      expect((await tenantStateOf(h)).devices).toBe(before.devices + 1);
    });

    it.each(ROUTES.map((route) => ({ route, what: routeName(route) })))(
      '$what: a replay after its nonce is forgotten is stale (the nonce window covers the skew both ways)',
      async ({ route }) => {
        const victim = await enrollTestDevice(h);
        const saved = h.clock.now;
        try {
          // Signed at the far edge of the skew, so it stays fresh as long as possible.
          const request = signed(victim, targetOf(route, saved), saved, { ts: seconds(saved) + 300 });
          await accepted(h, request);
          h.clock.now = new Date(saved.getTime() + NONCE_TTL_MS + 1);
          await deleteExpiredDeviceNonces(h.testDb.db.db, h.clock.now.toISOString());
          const before = await stateOf(h, victim.deviceId);
          expectRefusal(await h.app.inject(request), STALE);
          expect(await stateOf(h, victim.deviceId)).toEqual(before);
        } finally {
          h.clock.now = saved;
        }
      },
    );
  });
}
