import { buildIntelIndex, parseIntelFile } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import { createIntelRegistry, SERVER_SCOPE } from './intel-registry.ts';

const feed = (name: string, domains: readonly string[]) =>
  parseIntelFile(`${domains.join('\n')}\n`, name, { format: 'domain-list', feed: name });

describe('intel registry lookups (stored feeds layered over the base)', () => {
  const base = buildIntelIndex([feed('base', ['base-phish.example', 'both.example'])]);
  const registry = createIntelRegistry({ lookup: () => base });
  registry.setFeeds(SERVER_SCOPE, [feed('server', ['server-c2.example'])]);
  registry.setFeeds('tenant-a', [feed('tenant', ['tenant-only.example', 'both.example'])]);

  const hosts = [
    'base-phish.example',
    'login.base-phish.example',
    'SERVER-C2.example.',
    ' tenant-only.example ',
    'both.example',
    'clean.example',
    'bücher.example',
    '10.0.0.1',
  ];

  it.each(['tenant-a', 'tenant-b'])('%s: findHost answers as findDomain, stored feeds first', (tenant) => {
    const lookup = registry.lookup(tenant);
    expect(lookup.findHost).toBeDefined();
    for (const host of hosts) {
      const normal = host.trim().toLowerCase().replace(/\.$/, '');
      expect(lookup.findHost?.(host), host).toEqual(lookup.findDomain(normal));
    }
    expect(lookup.findHost?.('both.example')?.provenance[0]?.feed).toBe(
      tenant === 'tenant-a' ? 'tenant' : 'base',
    );
    expect(lookup.findHost?.('tenant-only.example') !== undefined).toBe(tenant === 'tenant-a');
    expect(lookup.findHost?.('server-c2.example')).toBeDefined();
  });

  it('falls back to findDomain when a layer has no findHost', () => {
    const plain = createIntelRegistry({
      lookup: () => ({ find: base.find, findDomain: base.findDomain }),
    });
    plain.setFeeds('tenant-a', [feed('tenant', ['tenant-only.example'])]);
    const lookup = plain.lookup('tenant-a');
    expect(lookup.findHost).toBeUndefined();
    expect(lookup.findDomain('base-phish.example')).toBeDefined();
  });
});
