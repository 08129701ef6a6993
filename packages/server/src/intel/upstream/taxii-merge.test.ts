import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTaxiiServer, type TaxiiTestServer } from '../../../test-support/taxii-server.ts';
import { allowListOf } from './http-get.ts';
import { pullTaxiiCollection } from './taxii-client.ts';

/** The merged TAXII bundle: revoked objects leave it, and it is held to the size limit (C4). */
const COLLECTION = '2b1c0b3e-6f2a-4c55-9b53-1b7a4f1c7d10';
const obj = (n: number, extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`,
  created: '2026-12-01T00:00:00.000Z',
  modified: '2026-12-01T00:00:00.000Z',
  pattern: `[software:x_package_name = 'com.example.p${n}']`,
  pattern_type: 'stix',
  valid_from: '2026-12-01T00:00:00.000Z',
  ...extra,
});

describe('TAXII merged bundle', () => {
  let taxii: TaxiiTestServer;
  beforeAll(async () => {
    taxii = await startTaxiiServer({
      username: 'u',
      password: 'p',
      collections: [{ id: COLLECTION, title: 'c' }],
      pageSize: 10,
    });
  });
  afterAll(async () => {
    await taxii?.close();
  });
  const pull = (previous: string | null, maxBytes = 1_000_000) =>
    pullTaxiiCollection({
      kind: 'taxii',
      url: taxii.discovery,
      collection: COLLECTION,
      maxBytes,
      sha256: null,
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      etag: null,
      lastModified: null,
      cursor: null,
      previous,
      allowPrivate: allowListOf(['127.0.0.1/32']),
    });

  it('drops an object the server revokes', async () => {
    const previous = JSON.stringify({ type: 'bundle', id: 'bundle--x', objects: [obj(1), obj(2)] });
    taxii.add(COLLECTION, [obj(1, { modified: '2026-12-02T00:00:00.000Z', revoked: true })]);
    const result = await pull(previous);
    expect(result.status).toBe('fetched');
    const ids = (
      JSON.parse(result.status === 'fetched' ? result.content : '{}').objects as { id: string }[]
    ).map((o) => o.id);
    expect(ids).toEqual([obj(2).id]);
  });

  it('refuses a merged bundle over the size limit', async () => {
    const previous = JSON.stringify({
      type: 'bundle',
      id: 'bundle--x',
      objects: Array.from({ length: 200 }, (_, i) => obj(100 + i)),
    });
    await expect(pull(previous, 20_000)).rejects.toThrow(/merged bundle .* over the limit/);
  });
});
