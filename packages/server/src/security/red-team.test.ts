import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';

// Probes of an outside red team run over HTTP against the landed code; each was a hole when found.
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`red-team probes (${dialect})`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await createHarness(dialect);
    });
    afterEach(async () => {
      await h?.close();
    });

    const tokenIdOf = async (role: string): Promise<string> => {
      const list = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
      });
      const found = (list.json().items as { id: string; role: string }[]).find((t) => t.role === role);
      if (found === undefined) throw new Error(`no ${role} token`);
      return found.id;
    };

    // Nobody can mint an owner token but an owner (not even through the CLI), so revoking or
    // demoting the last one locked the tenant out of owner actions for good.
    it('the last live owner token can be neither revoked nor demoted', async () => {
      const ownerId = await tokenIdOf('owner');
      const revoke = await h.app.inject({
        method: 'DELETE',
        url: `/v1/admin/api-tokens/${ownerId}`,
        headers: h.auth('owner'),
      });
      expect(revoke.statusCode).toBe(409);
      expect(revoke.json().code).toBe('conflict');
      const demote = await h.app.inject({
        method: 'PATCH',
        url: `/v1/admin/api-tokens/${ownerId}`,
        headers: h.auth('owner'),
        payload: { role: 'admin' },
      });
      expect(demote.statusCode).toBe(409);
      const rename = await h.app.inject({
        method: 'PATCH',
        url: `/v1/admin/api-tokens/${ownerId}`,
        headers: h.auth('owner'),
        payload: { name: 'still owner', role: 'owner' },
      });
      expect(rename.statusCode).toBe(200);
      const still = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
      });
      expect(still.statusCode).toBe(200);
    });

    it('with a second owner token the first can go, and the two cannot revoke each other at once', async () => {
      const firstId = await tokenIdOf('owner');
      const second = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/api-tokens',
        headers: h.auth('owner'),
        payload: { name: 'second owner', role: 'owner' },
      });
      expect(second.statusCode).toBe(201);
      const secondAuth = { authorization: `Bearer ${second.json().token}` };
      const replies = await Promise.all([
        h.app.inject({ method: 'DELETE', url: `/v1/admin/api-tokens/${firstId}`, headers: secondAuth }),
        h.app.inject({
          method: 'DELETE',
          url: `/v1/admin/api-tokens/${second.json().id}`,
          headers: h.auth('owner'),
        }),
      ]);
      const codes = replies.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 204)).toHaveLength(1);
      const owners = await h.runtime.ctx.db.db
        .selectFrom('api_tokens')
        .select('id')
        .where('tenant_id', '=', h.tenant.tenantId)
        .where('role', '=', 'owner')
        .where('revoked_at', 'is', null)
        .execute();
      expect(owners).toHaveLength(1);
    });

    // audit_log.seq is a 32-bit integer on PostgreSQL: a larger afterSeq was a 500 there.
    it('an audit-log afterSeq beyond any seq is a 400, not a 500', async () => {
      for (const afterSeq of ['99999999999999999999', '9223372036854775808', '2147483648']) {
        const reply = await h.app.inject({
          method: 'GET',
          url: `/v1/admin/audit-log?afterSeq=${afterSeq}`,
          headers: h.auth('owner'),
        });
        expect(reply.statusCode, afterSeq).toBe(400);
        expect(reply.json().code).toBe('invalid_request');
      }
      const largest = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/audit-log?afterSeq=2147483647`,
        headers: h.auth('owner'),
      });
      expect(largest.statusCode).toBe(200);
      expect(largest.json().items).toEqual([]);
    });
  });
}
