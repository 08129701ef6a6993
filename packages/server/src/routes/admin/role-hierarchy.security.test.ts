import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import type { Role } from '../../db/types.ts';

/**
 * Issue 11.8: roles form a strict hierarchy (owner > admin > analyst = helpdesk). The expected
 * answer of every actor × target role × operation is generated from this table, not from the code
 * under test: only roles that may write tokens (owner, admin) act at all, and only on roles ranked
 * at or below their own.
 */
const RANK: Readonly<Record<Role, number>> = { owner: 3, admin: 2, analyst: 1, helpdesk: 1 };
const TOKEN_WRITERS: ReadonlySet<Role> = new Set<Role>(['owner', 'admin']);
const ROLES: readonly Role[] = ['owner', 'admin', 'analyst', 'helpdesk'];

const allowed = (actor: Role, ...targets: Role[]) =>
  TOKEN_WRITERS.has(actor) && targets.every((target) => RANK[actor] >= RANK[target]);

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`API token role hierarchy (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    /** A fresh token of `role`, minted by the owner. */
    async function victim(role: Role): Promise<{ id: string; token: string }> {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
        payload: { name: `victim-${role}`, role },
      });
      expect(reply.statusCode, reply.body).toBe(201);
      return reply.json();
    }

    /** The token as listed by the owner. */
    async function listed(id: string): Promise<{ name: string; role: Role; revokedAt: string | null }> {
      const reply = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
      });
      const found = reply.json().items.find((item: { id: string }) => item.id === id);
      expect(found).toBeDefined();
      return found;
    }

    const expectDenied = (reply: { statusCode: number; body: string; json(): { code: string } }) => {
      expect(reply.statusCode, reply.body).toBe(403);
      expect(reply.json().code).toBe('forbidden');
    };

    for (const actor of ROLES) {
      for (const target of ROLES) {
        const verdict = allowed(actor, target) ? 'allowed' : 'denied';

        it(`${actor} creating a ${target} token is ${verdict}`, async () => {
          const reply = await h.app.inject({
            method: 'POST',
            url: '/v1/admin/api-tokens',
            headers: h.auth(actor),
            payload: { name: `by-${actor}`, role: target },
          });
          if (allowed(actor, target)) {
            expect(reply.statusCode, reply.body).toBe(201);
            expect(reply.json().role).toBe(target);
          } else expectDenied(reply);
        });

        it(`${actor} revoking a ${target} token is ${verdict}`, async () => {
          const { id, token } = await victim(target);
          const reply = await h.app.inject({
            method: 'DELETE',
            url: `/v1/admin/api-tokens/${id}`,
            headers: h.auth(actor),
          });
          const works = await h.app.inject({
            method: 'GET',
            url: '/v1/admin/devices',
            headers: { authorization: `Bearer ${token}` },
          });
          if (allowed(actor, target)) {
            expect(reply.statusCode, reply.body).toBe(204);
            expect(works.statusCode).toBe(401);
          } else {
            expectDenied(reply);
            expect(works.statusCode).toBe(200);
            expect((await listed(id)).revokedAt).toBeNull();
          }
        });

        it(`${actor} renaming a ${target} token is ${verdict}`, async () => {
          const { id } = await victim(target);
          const reply = await h.app.inject({
            method: 'PATCH',
            url: `/v1/admin/api-tokens/${id}`,
            headers: h.auth(actor),
            payload: { name: 'renamed' },
          });
          if (allowed(actor, target)) {
            expect(reply.statusCode, reply.body).toBe(200);
            expect(reply.json()).toMatchObject({ id, name: 'renamed', role: target });
          } else {
            expectDenied(reply);
            expect((await listed(id)).name).toBe(`victim-${target}`);
          }
        });

        for (const to of ROLES) {
          if (to === target) continue;
          const changeVerdict = allowed(actor, target, to) ? 'allowed' : 'denied';
          it(`${actor} changing a ${target} token to ${to} is ${changeVerdict}`, async () => {
            const { id } = await victim(target);
            const reply = await h.app.inject({
              method: 'PATCH',
              url: `/v1/admin/api-tokens/${id}`,
              headers: h.auth(actor),
              payload: { role: to },
            });
            if (allowed(actor, target, to)) {
              expect(reply.statusCode, reply.body).toBe(200);
              expect((await listed(id)).role).toBe(to);
            } else {
              expectDenied(reply);
              expect((await listed(id)).role).toBe(target);
            }
          });
        }
      }
    }

    it('a changed role takes effect on the next request', async () => {
      const { id, token } = await victim('analyst');
      const headers = { authorization: `Bearer ${token}` };
      const before = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/api-tokens`,
        headers,
        payload: { name: 'x', role: 'analyst' },
      });
      expect(before.statusCode).toBe(403);
      await h.app.inject({
        method: 'PATCH',
        url: `/v1/admin/api-tokens/${id}`,
        headers: h.auth('admin'),
        payload: { role: 'admin' },
      });
      const after = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/api-tokens`,
        headers,
        payload: { name: 'x', role: 'analyst' },
      });
      expect(after.statusCode).toBe(201);
    });

    it('changing a token is audited, and an empty or unknown change is refused', async () => {
      const { id } = await victim('helpdesk');
      const empty = await h.app.inject({
        method: 'PATCH',
        url: `/v1/admin/api-tokens/${id}`,
        headers: h.auth('owner'),
        payload: {},
      });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().code).toBe('invalid_request');
      const unknownField = await h.app.inject({
        method: 'PATCH',
        url: `/v1/admin/api-tokens/${id}`,
        headers: h.auth('owner'),
        payload: { role: 'analyst', tenantId: 'x' },
      });
      expect(unknownField.statusCode).toBe(400);
      await h.app.inject({
        method: 'PATCH',
        url: `/v1/admin/api-tokens/${id}`,
        headers: h.auth('admin'),
        payload: { role: 'analyst', name: 'moved' },
      });
      const log = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/audit-log?limit=500',
        headers: h.auth('owner'),
      });
      const entry = log
        .json()
        .items.find(
          (item: { action: string; target: string }) =>
            item.action === 'api-token.update' && item.target === id,
        );
      expect(entry).toMatchObject({
        details: { from: { role: 'helpdesk' }, to: { role: 'analyst', name: 'moved' } },
      });
    });

    it("another tenant's token answers 404 to change and revoke, and stays as it was", async () => {
      const { id } = await victim('analyst');
      for (const request of [
        { method: 'PATCH' as const, payload: { name: 'stolen' } },
        { method: 'DELETE' as const },
      ]) {
        const reply = await h.app.inject({
          ...request,
          url: `/v1/admin/api-tokens/${id}`,
          headers: h.auth('owner', h.otherTenant),
        });
        expect(reply.statusCode).toBe(404);
        expect(reply.json().code).toBe('not_found');
      }
      expect(await listed(id)).toMatchObject({ name: 'victim-analyst', revokedAt: null });
    });

    it('changing without a token is 401, before the body is looked at', async () => {
      const { id } = await victim('analyst');
      const reply = await h.app.inject({
        method: 'PATCH',
        url: `/v1/admin/api-tokens/${id}`,
        payload: { role: 'nobody' },
      });
      expect(reply.statusCode).toBe(401);
    });
  });
}
