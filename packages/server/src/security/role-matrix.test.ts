import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  DIALECTS,
  type Harness,
  type SeededTenant,
  shouldSkipDialect,
} from '../../test-support/harness.ts';
import { type Operation, operationsOf, sampleOf } from '../../test-support/openapi-fuzz.ts';
import { enrollTestDevice } from '../../test-support/security.ts';
import { insertRows, threatRow } from '../../test-support/seed-fleet.ts';
import { ROLES } from '../auth/principal.ts';
import type { Role } from '../db/types.ts';
import { AUTH_EXTENSION, type AuthAnnotation } from '../routes/route-auth.ts';

// Issue 11, "how it will be checked": a tenant × role × route matrix generated from the OpenAPI
// document. Every operation of the live /openapi.json is called according to its x-riskgate-auth:
//  - admin: 401 without a token and with a malformed, unknown or revoked one; for each role, 403
//    (code forbidden) when the document does not list the role, anything but 401/403 when it
//    does; with the other tenant's ids in the path, 404 and nothing of that tenant in the reply,
//    which is left unchanged;
//  - device, enrollment, proxy: 401 without credentials; link: nothing without a link token;
//  - no 5xx anywhere, and no reply carries the other tenant's ids.
// Nothing here lists routes or roles: a route added later joins the matrix by being registered
// (openapi-routes.test.ts holds the document to the registered routes). An admin route whose path
// names an object this file cannot create fails below with "no fixture": add one to FIXTURES.

/** The tenant's objects the matrix substitutes into path params, by the collection naming them. */
interface Fixtures {
  readonly [collection: string]: string;
}

/** Path segment before a `{param}` → fixture name. Catalog segments are not tenant-owned. */
const COLLECTIONS: Readonly<Record<string, string>> = {
  'api-tokens': 'apiToken',
  'enrollment-tokens': 'enrollmentToken',
  devices: 'device',
  threats: 'threat',
  'compliance-policies': 'compliancePolicy',
  feeds: 'feed',
  resources: 'resource',
  'access-policies': 'accessPolicy',
  'proxy-credentials': 'proxyCredential',
};
/** Global catalog entries (the same for every tenant): the id used, and never a cross-tenant case. */
const CATALOG: Readonly<Record<string, string>> = { 'threat-types': 'app.adware', 'threat-families': 'x' };

const POLICY = {
  name: 'p',
  assignment: {},
  rules: { maxThreatLevel: 'medium' },
  gracePeriodHours: 0,
  actions: [],
  unresponsive: { afterDays: 30, treatAs: 'compliant' },
  enabled: true,
};

type Reply = Awaited<ReturnType<Harness['app']['inject']>>;
const authOf = (op: Operation) => op.extensions[AUTH_EXTENSION] as AuthAnnotation;

/** Where each path param of `op` points: a fixture name, a catalog id, or undefined (unknown). */
function paramTargets(op: Operation): Record<string, { fixture?: string; catalog?: string }> {
  const segments = op.path.split('/');
  const out: Record<string, { fixture?: string; catalog?: string }> = {};
  segments.forEach((segment, i) => {
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name === undefined) return;
    const before = segments[i - 1] ?? '';
    const fixture = COLLECTIONS[before];
    const catalog = CATALOG[before];
    out[name] = fixture !== undefined ? { fixture } : catalog !== undefined ? { catalog } : {};
  });
  return out;
}

/**
 * A schema-made body. A `role` in it is the lowest one, so the rank rule (role-hierarchy test)
 * stays out of the matrix; an `id` in it is the path's (PUT replaces the object the path names).
 */
function bodyOf(op: Operation, url: string): string | undefined {
  if (op.bodySchema === undefined) return undefined;
  const sample = sampleOf(op.bodySchema);
  if (sample === null || typeof sample !== 'object' || Array.isArray(sample)) return JSON.stringify(sample);
  const pathId = op.path.endsWith('/{id}') ? decodeURIComponent(url.split('/').pop() ?? '') : undefined;
  return JSON.stringify({
    ...sample,
    ...('role' in sample ? { role: 'analyst' } : {}),
    ...('id' in sample && pathId !== undefined ? { id: pathId } : {}),
  });
}

/** GET first, DELETE last: one role's run on one fixture set destroys as little as possible early. */
const ORDER = ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'];

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`tenant × role × route matrix (${dialect})`, () => {
    let h: Harness;
    let operations: Operation[];
    let foreign: Fixtures;
    let revokedToken: string;
    let seq = 0;

    /** Creates one of each object in `tenant` (through the API, a threat row directly). */
    async function seedFixtures(tenant: SeededTenant): Promise<Fixtures> {
      const n = ++seq;
      const headers = h.auth('owner', tenant);
      const post = async (url: string, payload: object) => {
        const reply = await h.app.inject({ method: 'POST', url, headers, payload });
        expect(reply.statusCode, `${url}: ${reply.body}`).toBe(201);
        return reply.json();
      };
      const device = await enrollTestDevice(h, { tenant });
      const deviceId = device.deviceId ?? '';
      const threat = threatRow(tenant.tenantId, deviceId);
      await insertRows(h.testDb.db.db, [], [threat]);
      const slug = `m${n}-${tenant.tenantId.slice(-6).toLowerCase()}`;
      return {
        device: deviceId,
        threat: threat.id,
        apiToken: (await post('/v1/admin/api-tokens', { name: `victim-${n}`, role: 'analyst' })).id,
        enrollmentToken: (
          await post('/v1/admin/enrollment-tokens', { ownership: 'corporate', groups: [], expiresInHours: 1 })
        ).id,
        compliancePolicy: (await post('/v1/admin/compliance-policies', POLICY)).policy.id,
        feed: (
          await post('/v1/admin/intel/feeds', {
            name: `feed-${slug}.yaml`,
            content: `- name: X\n  type: stalkerware\n  packages:\n  - com.example.${slug.replace(/-/g, '')}\n`,
          })
        ).feed.id,
        resource: (
          await post('/v1/admin/resources', {
            id: `res-${slug}`,
            name: 'Mail',
            kind: 'http-app',
            hosts: [`${slug}.example.test`],
          })
        ).id,
        accessPolicy: (
          await post('/v1/admin/access-policies', {
            id: `pol-${slug}`,
            name: 'Risk at most low',
            state: 'on',
            assignment: {},
            grant: { kind: 'require-risk-at-most', level: 'low' },
          })
        ).id,
        proxyCredential: (
          await post('/v1/admin/proxy-credentials', { name: `proxy-${slug}`, integration: 'nginx' })
        ).id,
      };
    }

    /** The URL of `op` with each path param taken from `fixtures` (catalog ids for catalog params). */
    function urlOf(op: Operation, fixtures: Fixtures): string {
      const targets = paramTargets(op);
      return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const target = targets[name];
        const value = target?.fixture !== undefined ? fixtures[target.fixture] : target?.catalog;
        if (value === undefined)
          throw new Error(
            `${op.method} ${op.path}: no fixture for {${name}}; add one to FIXTURES/COLLECTIONS`,
          );
        return encodeURIComponent(value);
      });
    }

    function send(op: Operation, url: string, headers: Record<string, string>): Promise<Reply> {
      const body = bodyOf(op, url);
      return h.app.inject({
        method: op.method,
        url,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { payload: body }),
      });
    }

    /** The other tenant's ids found in a reply (there must be none). */
    const leaks = (reply: Reply) => Object.values(foreign).filter((id) => reply.body.includes(id));

    beforeAll(async () => {
      h = await createHarness(dialect);
      operations = operationsOf((await h.app.inject({ method: 'GET', url: '/openapi.json' })).json()).sort(
        (a, b) => ORDER.indexOf(a.method) - ORDER.indexOf(b.method),
      );
      foreign = await seedFixtures(h.otherTenant);
      const revoked = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
        payload: { name: 'revoked', role: 'admin' },
      });
      revokedToken = revoked.json().token;
      const revoke = await h.app.inject({
        method: 'DELETE',
        url: `/v1/admin/api-tokens/${revoked.json().id}`,
        headers: h.auth('owner'),
      });
      expect(revoke.statusCode).toBe(204);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('admin operations: 401 without a valid token, 403 exactly for the roles the document leaves out', async () => {
      const started = Date.now();
      const admin = operations.filter((op) => authOf(op)?.kind === 'admin');
      expect(admin.length).toBeGreaterThan(45);
      const failures: string[] = [];
      let sent = 0;
      let succeeded = 0;
      const badTokens = [
        undefined,
        'Bearer nope',
        `Bearer rgat_${'x'.repeat(43)}`,
        'Basic b3duZXI6b3duZXI=',
        `Bearer ${revokedToken}`,
      ];
      const placeholders = await seedFixtures(h.tenant);
      for (const op of admin) {
        for (const authorization of badTokens) {
          const reply = await send(
            op,
            urlOf(op, placeholders),
            authorization === undefined ? {} : { authorization },
          );
          sent++;
          if (reply.statusCode !== 401 || reply.json().code !== 'unauthorized')
            failures.push(
              `${op.method} ${op.path} with ${authorization ?? 'no token'} → ${reply.statusCode}`,
            );
        }
      }
      for (const role of ROLES) {
        // A fresh set of the tenant's objects per role: the allowed roles change and delete them.
        const mine = await seedFixtures(h.tenant);
        for (const op of admin) {
          const auth = authOf(op);
          if (auth.kind !== 'admin') continue;
          const reply = await send(op, urlOf(op, mine), h.auth(role));
          sent++;
          const where = `${role} ${op.method} ${op.path} → ${reply.statusCode} ${reply.body.slice(0, 160)}`;
          if (reply.statusCode >= 500) failures.push(`5xx: ${where}`);
          else if (!auth.roles.includes(role)) {
            if (reply.statusCode !== 403 || reply.json().code !== 'forbidden')
              failures.push(`not refused: ${where}`);
          } else if (reply.statusCode === 401 || reply.statusCode === 403) failures.push(`refused: ${where}`);
          // Reads run first, on real objects of the tenant: an allowed role gets them (a
          // sub-resource the fixture does not have, e.g. a feed's upstream, may be 404).
          else if (
            op.method === 'GET' &&
            reply.statusCode >= 300 &&
            !(reply.statusCode === 404 && op.pathParams.length > 0)
          )
            failures.push(`read failed: ${where}`);
          if (auth.roles.includes(role) && reply.statusCode < 300) succeeded++;
          if (leaks(reply).length > 0) failures.push(`leaks the other tenant: ${where}`);
        }
      }
      console.info(
        `role matrix (${dialect}): ${admin.length} admin operations × ${ROLES.length} roles + ${badTokens.length} bad tokens, ${sent} requests (${succeeded} allowed ones answered 2xx), ${Date.now() - started} ms`,
      );
      expect(failures).toEqual([]);
    });

    it("admin operations on the other tenant's objects: 404, nothing of theirs, nothing changed", async () => {
      const started = Date.now();
      const admin = operations.filter((op) => authOf(op)?.kind === 'admin');
      const lists = admin.filter((op) => op.method === 'GET' && op.pathParams.length === 0);
      const snapshot = async () =>
        Promise.all(
          lists.map(
            async (op) =>
              (await h.app.inject({ url: op.path, headers: h.auth('owner', h.otherTenant) })).body,
          ),
        );
      const before = await snapshot();
      const failures: string[] = [];
      let cases = 0;
      for (const op of admin) {
        const targets = Object.values(paramTargets(op));
        if (!targets.some((target) => target.fixture !== undefined)) continue;
        for (const role of ['owner', 'admin'] as const satisfies readonly Role[]) {
          const reply = await send(op, urlOf(op, foreign), h.auth(role));
          cases++;
          const where = `${role} ${op.method} ${op.path} → ${reply.statusCode} ${reply.body.slice(0, 160)}`;
          if (reply.statusCode !== 404 || reply.json().code !== 'not_found') failures.push(where);
          if (leaks(reply).length > 0) failures.push(`leaks: ${where}`);
        }
      }
      // Lists with a foreign id in their query (?deviceId=…) show nothing of the other tenant.
      for (const op of lists) {
        for (const name of op.queryParams) {
          const fixture = Object.keys(foreign).find((key) => name.toLowerCase() === `${key.toLowerCase()}id`);
          if (fixture === undefined) continue;
          const reply = await h.app.inject({
            url: `${op.path}?${name}=${encodeURIComponent(foreign[fixture] ?? '')}`,
            headers: h.auth('owner'),
          });
          cases++;
          if (reply.statusCode >= 500 || leaks(reply).length > 0)
            failures.push(`${op.path}?${name}= → ${reply.statusCode} ${reply.body.slice(0, 160)}`);
        }
      }
      expect(cases).toBeGreaterThan(20);
      expect(failures).toEqual([]);
      expect(await snapshot()).toEqual(before);
      console.info(`cross-tenant (${dialect}): ${cases} requests, ${Date.now() - started} ms`);
    });

    it('device, enrollment and proxy operations answer 401 without credentials; links show nothing without one', async () => {
      const others = operations.filter((op) => authOf(op)?.kind !== 'admin');
      const failures: string[] = [];
      const mine = await seedFixtures(h.tenant);
      const anyIds = [...Object.values(mine), ...Object.values(foreign)];
      let checked = 0;
      for (const op of others) {
        const kind = authOf(op)?.kind;
        if (kind === undefined) {
          failures.push(`${op.method} ${op.path}: no ${AUTH_EXTENSION}`);
          continue;
        }
        const url = op.path.replace(/\{[^}]+\}/g, 'zz-missing');
        const attempts: Record<string, string>[] =
          kind === 'device' || kind === 'enrollment'
            ? [{}, { 'x-riskgate-signature': 'not-a-jws' }]
            : kind === 'proxy'
              ? [{}, { 'x-riskgate-proxy-secret': 'wrong-secret-0123456789abcdef' }]
              : kind === 'mdm'
                ? [{}, { authorization: 'Bearer rgmw_wrong-secret-0123456789abcdef' }]
                : [{}];
        for (const headers of attempts) {
          const reply = await send(op, url, headers);
          checked++;
          const where = `${op.method} ${url} [${kind}, ${Object.keys(headers).join() || 'nothing'}] → ${reply.statusCode} ${reply.body.slice(0, 160)}`;
          if (reply.statusCode >= 500 && !(reply.statusCode === 503 && op.responses.includes('503')))
            failures.push(`5xx: ${where}`);
          if (kind === 'device' || kind === 'enrollment' || kind === 'proxy' || kind === 'mdm') {
            if (reply.statusCode !== 401) failures.push(`not 401: ${where}`);
          }
          if (kind === 'link' && reply.statusCode < 400 && anyIds.some((id) => reply.body.includes(id)))
            failures.push(`link without token shows data: ${where}`);
        }
      }
      expect(checked).toBeGreaterThan(20);
      expect(failures).toEqual([]);
    });
  });
}
