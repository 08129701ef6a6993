import { describe, expect, it } from 'vitest';
import { compileRouteTable } from './route-table.ts';
import { parseGatewayConfig } from './schema.ts';

describe('parseGatewayConfig', () => {
  it('reads routes, defaulting the path prefix to /', () => {
    const routes = parseGatewayConfig({
      routes: [
        {
          host: 'mail.example.com',
          upstream: 'http://10.0.0.5:8080',
          resourceId: 'exchange',
          tenantId: 'ten_1',
        },
      ],
    });
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({
      host: 'mail.example.com',
      pathPrefix: '/',
      resourceId: 'exchange',
      tenantId: 'ten_1',
    });
    expect(routes[0]?.upstream.href).toBe('http://10.0.0.5:8080/');
  });

  it.each([
    [{}, '/routes'],
    [{ routes: [] }, '/routes'],
    [
      { routes: [{ host: 'a.example', upstream: 'ftp://x.example', resourceId: 'r', tenantId: 'ten_1' }] },
      '/routes/0/upstream',
    ],
    [
      { routes: [{ host: 'a b', upstream: 'http://x.example', resourceId: 'r', tenantId: 'ten_1' }] },
      '/routes/0/host',
    ],
    [
      {
        routes: [
          {
            host: 'a.example',
            pathPrefix: 'x',
            upstream: 'http://x.example',
            resourceId: 'r',
            tenantId: 'ten_1',
          },
        ],
      },
      '/routes/0/pathPrefix',
    ],
    [{ routes: [{ host: 'a.example', upstream: 'http://x.example' }] }, '/routes/0'],
    // A route without its tenant would decide with whichever tenant's resource has its id.
    [{ routes: [{ host: 'a.example', upstream: 'http://x.example', resourceId: 'r' }] }, '/routes/0'],
    [
      { routes: [{ host: 'a.example', upstream: 'http://x.example', resourceId: 'r', tenantId: '' }] },
      '/routes/0/tenantId',
    ],
    [
      {
        routes: [{ host: 'a.example', upstream: 'http://x.example?q=1', resourceId: 'r', tenantId: 'ten_1' }],
      },
      '/routes/0/upstream',
    ],
    [
      {
        routes: [
          { host: 'a.example', upstream: 'http://x.example', resourceId: 'r', tenantId: 'ten_1', extra: 1 },
        ],
      },
      '/routes/0',
    ],
  ])('rejects %j naming %s', (config, path) => {
    expect(() => parseGatewayConfig(config)).toThrow(`gateway config: ${path}`);
  });

  // A host belongs to one tenant (docs/conditional-access.md § Host claims), in the gateway too.
  const route = (host: string, tenantId: string) => ({
    host,
    upstream: 'http://x.example',
    resourceId: 'r',
    tenantId,
  });
  it.each([
    ['the same host', 'app.example.com', 'app.example.com'],
    ['case and trailing dot', 'App.Example.com.', 'app.example.COM'],
    ['a wildcard and a name below it', '*.example.com', 'a.b.example.com'],
    ['a name and a wildcard above it', 'a.example.com', '*.example.com'],
    ['nested wildcards', '*.example.com', '*.b.example.com'],
  ])('rejects routes of two tenants on %s', (_name, first, second) => {
    expect(() => parseGatewayConfig({ routes: [route(first, 'ten_1'), route(second, 'ten_2')] })).toThrow(
      'gateway config: /routes/1/host: overlaps /routes/0/host of tenant ten_1',
    );
  });

  it('lets two tenants have neighbouring hosts, and one tenant overlap itself', () => {
    expect(
      parseGatewayConfig({
        routes: [
          route('*.example.com', 'ten_1'),
          route('example.com', 'ten_2'),
          route('a.example.org', 'ten_2'),
          route('a.example.com', 'ten_1'),
        ],
      }),
    ).toHaveLength(4);
  });
});

describe('compileRouteTable', () => {
  const table = compileRouteTable(
    parseGatewayConfig({
      routes: [
        { host: 'app.example.com', upstream: 'http://a', resourceId: 'app', tenantId: 'ten_1' },
        {
          host: 'app.example.com',
          pathPrefix: '/payroll',
          upstream: 'http://b',
          resourceId: 'payroll',
          tenantId: 'ten_1',
        },
        {
          host: 'app.example.com',
          pathPrefix: '/payroll/admin/',
          upstream: 'http://c',
          resourceId: 'payroll-admin',
          tenantId: 'ten_1',
        },
        { host: '*.example.com', upstream: 'http://d', resourceId: 'any-sub', tenantId: 'ten_1' },
      ],
    }),
  );

  it.each([
    ['app.example.com', '/', 'app'],
    ['APP.example.com:443', '/payroll?x=1', 'payroll'],
    ['app.example.com', '/payroll/admin/users', 'payroll-admin'],
    ['app.example.com', '/payroll/admin', 'payroll'],
    ['app.example.com', '/payrollx', 'app'],
    ['app.example.com', '/public/..%2Fpayroll/x', 'payroll'],
    ['files.example.com', '/payroll', 'any-sub'],
    ['example.com', '/', undefined],
    ['other.test', '/', undefined],
  ])('%s %s → %s', (host, path, resourceId) => {
    expect(table.match(host, path)?.resourceId).toBe(resourceId);
  });
});
