import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, cleanApp } from '../../test-support/snapshots.ts';
import { applyEvents } from './apply-events.ts';
import type { SnapshotEvent } from './report.ts';

describe('applyEvents', () => {
  const base = cleanAndroidSnapshot();

  it('returns the same snapshot for no events', () => {
    expect(applyEvents(base, [])).toBe(base);
  });

  it('installs, updates and removes apps in order without mutating the input', () => {
    const before = structuredClone(base);
    const events: SnapshotEvent[] = [
      {
        type: 'app-installed',
        at: '2026-11-25T18:01:00.000Z',
        app: cleanApp({ id: 'com.new', version: '1' }),
      },
      {
        type: 'app-installed',
        at: '2026-11-25T18:02:00.000Z',
        app: cleanApp({ id: 'com.new', version: '2' }),
      },
      { type: 'app-removed', at: '2026-11-25T18:03:00.000Z', appId: 'com.whatsapp' },
      { type: 'app-removed', at: '2026-11-25T18:03:30.000Z', appId: 'not.installed' },
    ];
    const next = applyEvents(base, events);
    expect(next.apps.map((a) => `${a.id}@${a.version}`)).toEqual([
      'com.google.android.gm@1.0',
      'com.example.bank@1.0',
      'com.new@2',
    ]);
    expect(next.collectedAt).toBe('2026-11-25T18:03:30.000Z');
    expect(base).toEqual(before);
  });

  it('replaces the network and appends visited domains', () => {
    const next = applyEvents(base, [
      { type: 'network-changed', at: '2026-11-25T18:05:00.000Z', network: { connection: 'cellular' } },
      { type: 'domain-visited', at: '2026-11-25T18:06:00.000Z', domain: 'evil.example' },
    ]);
    expect(next.network).toEqual({ connection: 'cellular' });
    expect(next.visitedDomains?.map((d) => d.domain)).toEqual(['www.example.com', 'evil.example']);
  });

  it('never moves collectedAt backwards', () => {
    const next = applyEvents(base, [
      { type: 'app-removed', at: '2020-01-01T00:00:00.000Z', appId: 'com.whatsapp' },
    ]);
    expect(next.collectedAt).toBe(base.collectedAt);
  });

  it('keeps only the newest visited domains beyond the limit', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ domain: `d${i}.example`, at: base.collectedAt }));
    const next = applyEvents({ ...base, visitedDomains: many }, [
      { type: 'domain-visited', at: base.collectedAt, domain: 'last.example' },
    ]);
    expect(next.visitedDomains).toHaveLength(5000);
    expect(next.visitedDomains?.[0]?.domain).toBe('d1.example');
    expect(next.visitedDomains?.at(-1)?.domain).toBe('last.example');
  });
});
