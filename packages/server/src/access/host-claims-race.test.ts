import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';
import { normalizeHostPattern } from '../queries/access-host-claims.ts';

/**
 * Issue 11, part B: a host (or a wildcard covering it) is protected by one tenant only
 * (docs/conditional-access.md § Host claims). Two tenants creating overlapping resources at the
 * same time must not both win the race between the conflict check and the claim: of 20 parallel
 * creates, 10 per tenant, exactly one tenant's succeed and every one of the other's is a 409.
 */
const RACES: readonly { readonly name: string; readonly acme: string; readonly globex: string }[] = [
  { name: 'the same host', acme: 'same.race.test', globex: 'same.race.test' },
  { name: 'case and trailing dot', acme: 'Case.Race.test.', globex: 'case.race.TEST' },
  { name: 'a wildcard and a name below it', acme: '*.wild.race.test', globex: 'a.wild.race.test' },
  { name: 'a name and a wildcard above it', acme: 'b.up.race.test', globex: '*.up.race.test' },
  { name: 'nested wildcards', acme: '*.nest.race.test', globex: '*.x.nest.race.test' },
  { name: 'punycode in two spellings', acme: 'xn--bcher-kva.race.test', globex: 'XN--BCHER-KVA.race.test.' },
];

const PER_TENANT = 10;

describe('host claim normalisation', () => {
  it.each([
    ['Mail.Example.COM.', 'mail.example.com'],
    ['*.Apps.Example.com.', '*.apps.example.com'],
    ['Bücher.example', 'xn--bcher-kva.example'],
    ['*.BÜCHER.example.', '*.xn--bcher-kva.example'],
    ['XN--BCHER-KVA.example', 'xn--bcher-kva.example'],
  ])('%s is claimed as %s', (input, claimed) => {
    expect(normalizeHostPattern(input)).toBe(claimed);
  });
});

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`host claims under concurrency (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    const create = (tenant: Harness['tenant'], id: string, hosts: readonly string[]) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/admin/resources',
        headers: h.auth('admin', tenant),
        payload: { id, name: id, kind: 'http-app', hosts },
      });

    const resourceIds = async (tenant: Harness['tenant']) =>
      (await h.app.inject({ method: 'GET', url: '/v1/admin/resources', headers: h.auth('admin', tenant) }))
        .json<{ items: { id: string }[] }>()
        .items.map((resource) => resource.id);

    it.each(RACES)('$name: 20 parallel creates from two tenants, exactly one tenant wins', async (race) => {
      const slug = race.name.replace(/[^a-z]+/g, '-');
      const requests = Array.from({ length: PER_TENANT }, (_, i) => [
        create(h.tenant, `acme-${slug}-${i}`, [race.acme]),
        create(h.otherTenant, `globex-${slug}-${i}`, [race.globex]),
      ]).flat();
      const replies = await Promise.all(requests);
      const outcome = (prefix: string) =>
        replies
          .filter((_, i) => (i % 2 === 0 ? 'acme' : 'globex') === prefix)
          .map((reply) => reply.statusCode);
      const acme = outcome('acme');
      const globex = outcome('globex');
      expect(replies.filter((reply) => reply.statusCode >= 500).map((reply) => reply.body)).toEqual([]);
      const acmeWon = acme.includes(201);
      const winner = acmeWon ? acme : globex;
      const loser = acmeWon ? globex : acme;
      expect({ winner, loser }).toEqual({
        winner: Array(PER_TENANT).fill(201),
        loser: Array(PER_TENANT).fill(409),
      });
      for (const reply of replies.filter((r) => r.statusCode === 409))
        expect(reply.json()).toMatchObject({
          code: 'conflict',
          message: expect.stringContaining('another tenant'),
        });
      // The stored resources agree: only the winner holds any.
      const held = [
        (await resourceIds(h.tenant)).filter((id) => id.includes(slug)).length,
        (await resourceIds(h.otherTenant)).filter((id) => id.includes(slug)).length,
      ];
      expect(held).toEqual(acmeWon ? [PER_TENANT, 0] : [0, PER_TENANT]);
    });

    it("20 parallel updates growing two tenants' resources onto overlapping hosts: exactly one tenant wins", async () => {
      const ids = (tenant: string) => Array.from({ length: PER_TENANT }, (_, i) => `${tenant}-grow-${i}`);
      for (const [tenant, name] of [
        [h.tenant, 'acme'],
        [h.otherTenant, 'globex'],
      ] as const)
        for (const id of ids(name))
          expect((await create(tenant, id, [`${id}.own.test`])).statusCode).toBe(201);
      const grow = (tenant: Harness['tenant'], id: string, host: string) =>
        h.app.inject({
          method: 'PUT',
          url: `/v1/admin/resources/${id}`,
          headers: h.auth('admin', tenant),
          payload: { id, name: id, kind: 'http-app', hosts: [`${id}.own.test`, host] },
        });
      const replies = await Promise.all(
        ids('acme').flatMap((id, i) => [
          grow(h.tenant, id, '*.grow.race.test'),
          grow(h.otherTenant, ids('globex')[i] ?? '', 'deep.a.grow.race.test'),
        ]),
      );
      expect(replies.filter((reply) => reply.statusCode >= 500).map((reply) => reply.body)).toEqual([]);
      const acme = replies.filter((_, i) => i % 2 === 0).map((reply) => reply.statusCode);
      const globex = replies.filter((_, i) => i % 2 === 1).map((reply) => reply.statusCode);
      const acmeWon = acme.includes(200);
      expect({ winner: acmeWon ? acme : globex, loser: acmeWon ? globex : acme }).toEqual({
        winner: Array(PER_TENANT).fill(200),
        loser: Array(PER_TENANT).fill(409),
      });
      // The loser's resources keep their old hosts.
      const [loser, loserIds] = acmeWon ? [h.otherTenant, ids('globex')] : [h.tenant, ids('acme')];
      for (const id of loserIds) {
        const reply = await h.app.inject({
          method: 'GET',
          url: `/v1/admin/resources/${id}`,
          headers: h.auth('admin', loser),
        });
        expect(reply.json().hosts).toEqual([`${id}.own.test`]);
      }
    });

    it('an IDN host in Unicode or a host with a port is refused at the schema (400), never claimed', async () => {
      for (const host of ['bücher.race.test', 'a.port.race.test:443', 'a.port.race.test:8443.']) {
        const reply = await create(h.tenant, 'refused', [host]);
        expect(reply.statusCode, host).toBe(400);
        expect(reply.json().code).toBe('invalid_request');
      }
      expect(await resourceIds(h.tenant)).not.toContain('refused');
    });
  });
}
