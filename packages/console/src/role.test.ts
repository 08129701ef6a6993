import { describe, expect, it } from 'vitest';
import { type ApiClient, ApiError } from './api.ts';
import { isShown, NAV_ITEMS } from './nav.ts';
import { can, detectRole } from './role.ts';

const TOKEN = 'rgat_abcdefghij0123456789abcdefghij';

function apiAnswering(answer: () => unknown): ApiClient {
  return {
    get: async <T>() => answer() as T,
    send: async () => undefined as never,
  };
}

describe('detectRole', () => {
  it.each([
    [
      'its own row',
      () => ({ items: [{ prefix: TOKEN.slice(0, 15), role: 'analyst', revokedAt: null }] }),
      'analyst',
    ],
    [
      'no matching row',
      () => ({ items: [{ prefix: 'rgat_other00000', role: 'owner', revokedAt: null }] }),
      undefined,
    ],
    [
      'a 403 (only helpdesk may not list tokens)',
      () => {
        throw new ApiError(403, 'forbidden', 'no');
      },
      'helpdesk',
    ],
    [
      'a 500',
      () => {
        throw new ApiError(500, 'internal_error', 'boom');
      },
      undefined,
    ],
  ])('%s', async (_name, answer, role) => {
    expect(await detectRole(apiAnswering(answer), TOKEN)).toBe(role);
  });
});

describe('can / isShown', () => {
  it.each([
    ['owner', 'policies:write', true],
    ['admin', 'devices:write', true],
    ['analyst', 'devices:write', false],
    ['analyst', 'audit:read', true],
    ['helpdesk', 'threats:write', true],
    ['helpdesk', 'enrollment:read', false],
    [undefined, 'policies:write', true],
  ] as const)('%s may %s: %s', (role, permission, expected) => {
    expect(can(role, permission)).toBe(expected);
  });

  it('hides optional pages whose endpoint did not answer, and pages the role may not read', () => {
    const shown = (available: string[], role?: 'helpdesk' | 'owner') =>
      NAV_ITEMS.filter((item) => isShown(item, new Set(available), role)).map((item) => item.label);
    expect(shown([], 'owner')).toEqual([
      'Devices',
      'Threats',
      'Threat types',
      'Enrollment tokens',
      'Audit log',
    ]);
    expect(shown(['/v1/admin/resources'], 'owner')).toContain('Resources');
    expect(shown(['/v1/admin/resources'], 'helpdesk')).toEqual(['Devices', 'Threats', 'Threat types']);
  });
});
