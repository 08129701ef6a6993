import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test-support/harness.ts';
import { operationsOf } from '../../test-support/openapi-fuzz.ts';
import { PERMISSIONS, ROLES } from '../auth/principal.ts';
import { AUTH_EXTENSION, type AuthAnnotation } from './route-auth.ts';

// Issue 11: the OpenAPI document is what the tenant × role × route matrix is generated from, so
// it must list every route the server answers, each with its authorization (x-riskgate-auth),
// and nothing the server does not answer. Route registration does not touch the database, so
// one dialect is enough here (the matrix runs on both).

const KINDS = ['admin', 'device', 'enrollment', 'proxy', 'mdm', 'link', 'public'];
const SECURITY_OF: Readonly<Record<string, string>> = {
  admin: 'bearer',
  device: 'deviceSignature',
  enrollment: 'deviceSignature',
  proxy: 'proxySecret',
  mdm: 'mdmWebhookBasic',
  link: 'none',
  public: 'none',
};

/** `/a/:id/*` as OpenAPI writes it: `/a/{id}/{*}`. */
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}').replace(/\*/g, '{*}');

describe('the OpenAPI document and the registered routes', () => {
  let h: Harness;
  let doc: unknown;
  beforeAll(async () => {
    h = await createHarness('sqlite');
    doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('list the same operations, both ways', () => {
    const registered = new Set<string>();
    const heads: string[] = [];
    for (const route of h.app.registeredRoutes) {
      for (const method of [route.method].flat()) {
        const key = `${method} ${openapiPath(route.url)}`;
        if (method === 'HEAD') heads.push(key);
        else registered.add(key);
      }
    }
    // Fastify adds a HEAD beside every GET; OpenAPI leaves them out. No HEAD stands alone.
    expect(heads.filter((head) => !registered.has(head.replace(/^HEAD /, 'GET ')))).toEqual([]);
    const rawPaths = (doc as { paths: Record<string, Record<string, unknown>> }).paths;
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(rawPaths)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    expect(
      [...registered].filter((key) => !documented.has(key)),
      'registered, not documented',
    ).toEqual([]);
    expect(
      [...documented].filter((key) => !registered.has(key)),
      'documented, not registered',
    ).toEqual([]);
    expect(registered.size).toBeGreaterThan(60);
  });

  it('gives every operation its authorization, consistent with its security scheme', () => {
    const problems: string[] = [];
    for (const op of operationsOf(doc)) {
      const name = `${op.method} ${op.path}`;
      const auth = op.extensions[AUTH_EXTENSION] as AuthAnnotation | undefined;
      if (auth === undefined || !KINDS.includes(auth.kind)) {
        problems.push(`${name}: no valid ${AUTH_EXTENSION}`);
        continue;
      }
      if (op.security !== SECURITY_OF[auth.kind])
        problems.push(`${name}: kind ${auth.kind} with security ${op.security}`);
      if (auth.kind !== 'admin') continue;
      if (!op.path.startsWith('/v1/admin/')) problems.push(`${name}: admin operation outside /v1/admin`);
      const expected = ROLES.filter((role) => PERMISSIONS[role].has(auth.permission));
      if (!auth.roles.every((role) => expected.includes(role))) problems.push(`${name}: roles ${auth.roles}`);
      if (!auth.roles.includes('owner')) problems.push(`${name}: not even the owner may call it`);
      // The role model (ARCHITECTURE.md), checked here independently of PERMISSIONS: analyst is
      // read-only; helpdesk handles devices and threats only.
      if (op.method !== 'GET' && auth.roles.includes('analyst'))
        problems.push(`${name}: analyst (read-only) may call a ${op.method}`);
      if (auth.roles.includes('helpdesk') && !/^(devices|threats):/.test(auth.permission))
        problems.push(`${name}: helpdesk may use ${auth.permission}`);
    }
    expect(problems).toEqual([]);
  });

  it('every /v1/admin route is an admin operation, and /v1/device routes are signed', () => {
    for (const op of operationsOf(doc)) {
      const kind = (op.extensions[AUTH_EXTENSION] as AuthAnnotation | undefined)?.kind;
      if (op.path.startsWith('/v1/admin/')) expect(kind, op.path).toBe('admin');
      if (op.path.startsWith('/v1/device/')) expect(['device', 'enrollment'], op.path).toContain(kind);
    }
  });
});
