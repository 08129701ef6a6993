import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, withQuery } from './api.ts';

function fakeFetch(status: number, body: unknown) {
  return vi.fn(async (_url: string | URL | Request, _init?: RequestInit) =>
    status === 204
      ? new Response(null, { status })
      : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );
}

describe('withQuery', () => {
  it.each([
    [{}, '/v1/admin/devices'],
    [{ user: '', riskLevel: undefined }, '/v1/admin/devices'],
    [{ riskLevel: 'high', limit: 25 }, '/v1/admin/devices?riskLevel=high&limit=25'],
    [
      { label: 'MTD - High Risk', includeRetired: true },
      '/v1/admin/devices?label=MTD+-+High+Risk&includeRetired=true',
    ],
  ])('%j', (query, expected) => {
    expect(withQuery('/v1/admin/devices', query)).toBe(expected);
  });
});

describe('createApiClient', () => {
  it('sends the bearer token and JSON bodies', async () => {
    const fetchFn = fakeFetch(200, { ok: true });
    const api = createApiClient({ token: 'rgat_x', onUnauthorized: () => undefined, fetchFn });
    expect(await api.send('PUT', '/v1/admin/threat-types/app.stalkerware/risk', { risk: 'low' })).toEqual({
      ok: true,
    });
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe('/v1/admin/threat-types/app.stalkerware/risk');
    expect(init).toMatchObject({
      method: 'PUT',
      body: '{"risk":"low"}',
      headers: { authorization: 'Bearer rgat_x', 'content-type': 'application/json' },
    });
  });

  it('calls onUnauthorized on a 401 and throws the API error', async () => {
    const onUnauthorized = vi.fn();
    const api = createApiClient({
      token: 'rgat_x',
      onUnauthorized,
      fetchFn: fakeFetch(401, { code: 'unauthorized', message: 'bad token', requestId: 'r1' }),
    });
    await expect(api.get('/v1/admin/devices')).rejects.toMatchObject({
      status: 401,
      code: 'unauthorized',
      message: 'bad token',
      requestId: 'r1',
    });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it.each([
    [403, { code: 'forbidden', message: 'role analyst may not devices:write' }, 'forbidden'],
    [404, { code: 'not_found', message: 'no such route' }, 'not_found'],
    [502, 'not json', 'http_error'],
  ])('maps a %i to ApiError %s', async (status, body, code) => {
    const onUnauthorized = vi.fn();
    const api = createApiClient({ token: 't', onUnauthorized, fetchFn: fakeFetch(status, body) });
    const error = await api.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status, code });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('returns undefined for 204 and reports network failures as status 0', async () => {
    const ok = createApiClient({
      token: 't',
      onUnauthorized: () => undefined,
      fetchFn: fakeFetch(204, null),
    });
    expect(await ok.send('DELETE', '/v1/admin/enrollment-tokens/1')).toBeUndefined();
    const down = createApiClient({
      token: 't',
      onUnauthorized: () => undefined,
      fetchFn: vi.fn(async () => {
        throw new TypeError('fetch failed');
      }),
    });
    await expect(down.get('/x')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });
});
