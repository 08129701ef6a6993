import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './config-file.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('loadGatewayConfig', () => {
  it('reads the YAML example from docs/proxies.md', async () => {
    const path = await file(
      'gateway.yaml',
      `routes:
  - host: mail.example.com
    upstream: http://10.0.0.20:8080
    resourceId: exchange
  - host: intranet.example.com
    pathPrefix: /payroll
    upstream: http://10.0.0.30:8080
    resourceId: payroll
`,
    );
    const routes = await loadGatewayConfig(path);
    expect(routes.map((r) => [r.host, r.pathPrefix, r.upstream.href, r.resourceId])).toEqual([
      ['mail.example.com', '/', 'http://10.0.0.20:8080/', 'exchange'],
      ['intranet.example.com', '/payroll', 'http://10.0.0.30:8080/', 'payroll'],
    ]);
  });

  it('reads JSON', async () => {
    const path = await file(
      'gateway.json',
      JSON.stringify({ routes: [{ host: 'a.example', upstream: 'https://b.example', resourceId: 'r' }] }),
    );
    expect((await loadGatewayConfig(path))[0]?.upstream.protocol).toBe('https:');
  });

  it.each([
    ['bad.json', '{ nope', /bad\.json: not valid JSON/],
    ['bad.yaml', 'routes: [', /bad\.yaml: not valid YAML/],
    ['empty.yaml', 'routes: []', /empty\.yaml: gateway config: \/routes/],
  ])('names the file and the problem for %s', async (name, content, message) => {
    await expect(loadGatewayConfig(await file(name, content))).rejects.toThrow(message);
  });
});
