import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { deviceRow, insertRows, insertSnapshot } from '../../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot, storeApp } from '../../../test-support/snapshots.ts';
import { startTaxiiServer, type TaxiiTestServer } from '../../../test-support/taxii-server.ts';

/**
 * TAXII 2.1 pulls against `test-support/taxii-server.ts`, a small spec-conformant server written
 * for these tests: the reference implementation (medallion, PyPI) cannot be installed here.
 */
const COLLECTION = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';
const MALWARE = 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061';

const indicator = (n: number, pattern: string) => {
  const id = `indicator--${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return [
    {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: '2026-12-01T00:00:00.000Z',
      modified: '2026-12-01T00:00:00.000Z',
      pattern,
      pattern_type: 'stix',
      valid_from: '2026-12-01T00:00:00.000Z',
    },
    {
      type: 'relationship',
      spec_version: '2.1',
      id: `relationship--${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`,
      created: '2026-12-01T00:00:00.000Z',
      modified: '2026-12-01T00:00:00.000Z',
      relationship_type: 'indicates',
      source_ref: id,
      target_ref: MALWARE,
    },
  ];
};

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`TAXII 2.1 collections (${dialect})`, () => {
    let h: Harness;
    let taxii: TaxiiTestServer;
    beforeAll(async () => {
      h = await createHarness(dialect, { upstreamAllowPrivate: ['127.0.0.1/32'] });
      taxii = await startTaxiiServer({
        username: 'riskgate',
        password: 'taxii-password-1',
        collections: [{ id: COLLECTION, title: 'Mobile spyware' }],
        pageSize: 2,
      });
      taxii.add(COLLECTION, [
        {
          type: 'malware',
          spec_version: '2.1',
          id: MALWARE,
          created: '2026-12-01T00:00:00.000Z',
          modified: '2026-12-01T00:00:00.000Z',
          name: 'TaxiiSpy',
          is_family: true,
          malware_types: ['spyware'],
        },
        ...indicator(1, "[app:id='com.taxii.first']"),
        ...indicator(2, "[domain-name:value='taxii-c2.net']"),
      ]);
    });
    afterAll(async () => {
      await taxii?.close();
      await h?.close();
    });

    const fetchNow = async (feedId: string) =>
      (
        await h.app.inject({
          method: 'POST',
          url: `/v1/admin/intel/feeds/${feedId}/fetch`,
          headers: h.auth('admin'),
        })
      ).json();
    const create = async (name: string, auth?: object) => {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/upstreams',
        headers: h.auth('admin'),
        payload: {
          name,
          kind: 'taxii',
          url: taxii.discovery,
          collection: COLLECTION,
          ...(auth ? { auth } : {}),
        },
      });
      expect(reply.statusCode).toBe(201);
      return reply.json().feedId as string;
    };

    it('credentials required: without them the pull fails with the 401 on health', async () => {
      const feedId = await create('taxii without credentials');
      const result = await fetchNow(feedId);
      expect(result.outcome).toMatchObject({ status: 'error', indicators: 0 });
      expect(result.upstream.health.lastError).toMatch(/HTTP 401/);
      const wrong = await create('taxii wrong password', {
        type: 'basic',
        username: 'riskgate',
        password: 'nope',
      });
      expect((await fetchNow(wrong)).outcome.status).toBe('error');
    });

    it('pages with next, then an incremental pull with added_after flags a device without a report', async () => {
      const holder = deviceRow(h.tenant.tenantId);
      await insertRows(h.testDb.db.db, [holder]);
      await insertSnapshot(
        h.testDb.db.db,
        h.tenant.tenantId,
        holder.id,
        cleanAndroidSnapshot(h.clock.now, [storeApp('com.taxii.second')]),
      );
      const feedId = await create('taxii spyware', {
        type: 'basic',
        username: 'riskgate',
        password: 'taxii-password-1',
      });
      taxii.requests.length = 0;
      const first = await fetchNow(feedId);
      expect(first.outcome).toMatchObject({ status: 'updated', indicators: 2 });
      // Discovery, API root, collection, then 5 objects in pages of 2 (3 pages, the 2nd and 3rd by next).
      const objectRequests = taxii.requests.filter((r) => r.includes('/objects/'));
      expect(taxii.requests.slice(0, 3)).toEqual(['/taxii2/', '/api1/', `/api1/collections/${COLLECTION}/`]);
      expect(objectRequests).toHaveLength(3);
      expect(objectRequests[0]).not.toContain('added_after');
      expect(objectRequests.slice(1).every((r) => /[?&]next=p\d+/.test(r))).toBe(true);
      const cursor = first.upstream.health.cursor as string;
      expect(cursor).toBe('2026-12-01T00:00:05.000Z');
      expect(
        h.runtime.intel.lookup(h.tenant.tenantId).find('app-id', 'com.taxii.first')?.provenance[0],
      ).toMatchObject({
        family: 'TaxiiSpy',
        category: 'spyware',
      });
      expect(
        (
          await h.testDb.db.db
            .selectFrom('devices')
            .select('risk_level')
            .where('id', '=', holder.id)
            .executeTakeFirstOrThrow()
        ).risk_level,
      ).toBe('secured');

      // Nothing new: not modified, asked with added_after = the cursor.
      taxii.requests.length = 0;
      const same = await fetchNow(feedId);
      expect(same.outcome.status).toBe('not-modified');
      expect(taxii.requests.at(-1)).toContain(`added_after=${encodeURIComponent(cursor)}`);

      // One new indicator: only it is pulled, merged into the bundle held, and the device holding it flagged.
      taxii.add(COLLECTION, indicator(3, "[app:id='com.taxii.second']"));
      taxii.requests.length = 0;
      const third = await fetchNow(feedId);
      expect(third.outcome).toMatchObject({
        status: 'updated',
        indicators: 3,
        newIndicators: 1,
        reassessment: { devicesWithNewThreats: 1, devicesChanged: 1 },
      });
      expect(taxii.requests.filter((r) => r.includes('/objects/'))).toEqual([
        expect.stringContaining(`added_after=${encodeURIComponent(cursor)}`),
      ]);
      expect(third.upstream.health.cursor).toBe('2026-12-01T00:00:07.000Z');
      const device = await h.testDb.db.db
        .selectFrom('devices')
        .select('risk_level')
        .where('id', '=', holder.id)
        .executeTakeFirstOrThrow();
      expect(device.risk_level).toBe('high');
      expect(h.runtime.intel.lookup(h.tenant.tenantId).find('app-id', 'com.taxii.first')).toBeDefined();
      const reports = await h.testDb.db.db
        .selectFrom('reports')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(reports.n)).toBe(0);
      expect(JSON.stringify(third)).not.toContain('taxii-password-1');
    });
  });
}
