/**
 * Memory per device of the decision cache: heap after GC before and after loading every device,
 * beside a plain `Map` of device id → small integer filled from the same rows.
 */
import type { Kysely } from 'kysely';
import { createDecisionCache } from '../../packages/server/src/access/decision-cache.ts';
import type { Database } from '../../packages/server/src/db/types.ts';
import { heapUsedAfterGc } from '../lib/gc.ts';

/** Heap growth per device, in bytes. */
export interface CacheMemory {
  readonly devices: number;
  readonly cacheBytesPerDevice: number;
  readonly mapBytesPerDevice: number;
  readonly loadMs: number;
}

/** Loads `ids` into a fresh decision cache (and their ids into a plain Map) and measures the heap. */
export async function measureCacheMemory(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
  progress: (message: string) => void,
): Promise<CacheMemory> {
  // Baseline: the ids as read from the database (fresh strings, as the cache holds), each → a small int.
  const mapBefore = heapUsedAfterGc();
  const map = new Map<string, number>();
  for (let start = 0; start < ids.length; start += 5000) {
    const rows = await db
      .selectFrom('devices')
      .select('id')
      .where('id', 'in', ids.slice(start, start + 5000))
      .execute();
    for (const row of rows) map.set(row.id, map.size & 7);
  }
  const mapBytes = heapUsedAfterGc() - mapBefore;
  if (map.size !== ids.length) throw new Error(`baseline map holds ${map.size} of ${ids.length} devices`);

  const cache = createDecisionCache(db);
  const before = heapUsedAfterGc();
  const start = performance.now();
  for (let i = 0; i < ids.length; i++) {
    await cache.byId(tenantId, ids[i] ?? '');
    if (i % 20_000 === 19_999) progress(`decision cache: ${i + 1} devices loaded`);
  }
  const loadMs = performance.now() - start;
  const cacheBytes = heapUsedAfterGc() - before;
  if (cache.size !== ids.length)
    throw new Error(`decision cache holds ${cache.size} of ${ids.length} devices`);
  return {
    devices: ids.length,
    cacheBytesPerDevice: cacheBytes / ids.length,
    mapBytesPerDevice: mapBytes / map.size,
    loadMs,
  };
}
