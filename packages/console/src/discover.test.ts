import { describe, expect, it, vi } from 'vitest';
import { type ApiClient, ApiError } from './api.ts';
import { loadOperations, probeEndpoints } from './discover.ts';

describe('probeEndpoints', () => {
  it('keeps endpoints that answer or refuse the role, drops 404s and network failures', async () => {
    const status: Record<string, number> = { '/a': 200, '/b': 404, '/c': 403, '/d': 0 };
    const api: ApiClient = {
      get: async <T>(path: string) => {
        const code = status[path] ?? 500;
        if (code === 200) return { items: [] } as T;
        throw new ApiError(code, 'x', 'x');
      },
      send: async () => undefined as never,
    };
    expect([...(await probeEndpoints(api, ['/a', '/b', '/c', '/d']))].sort()).toEqual(['/a', '/c']);
  });
});

describe('loadOperations', () => {
  it('lists METHOD path of every operation', async () => {
    const doc = {
      paths: { '/v1/admin/resources': { get: {}, post: {} }, '/v1/admin/resources/{id}': { put: {} } },
    };
    const fetchFn = vi.fn(async () => new Response(JSON.stringify(doc), { status: 200 }));
    expect([...(await loadOperations(fetchFn))].sort()).toEqual([
      'GET /v1/admin/resources',
      'POST /v1/admin/resources',
      'PUT /v1/admin/resources/{id}',
    ]);
  });

  it('is empty when the document cannot be read', async () => {
    expect((await loadOperations(vi.fn(async () => new Response('no', { status: 500 })))).size).toBe(0);
    expect((await loadOperations(vi.fn(async () => Promise.reject(new Error('down'))))).size).toBe(0);
  });
});
