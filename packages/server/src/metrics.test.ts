import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createTalliedCounter, tallyLookup } from './metrics.ts';

describe('tallied counter', () => {
  it('shows what was counted at every scrape and get(), adding up across scrapes', async () => {
    const registry = new Registry();
    const { counter, tally } = createTalliedCounter({
      name: 'test_total',
      help: 'test',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    });
    const ok = tally({ route: '/a', status: '200' });
    const missing = tally({ route: '/a', status: '404' });
    tally({ route: '/never', status: '200' });
    ok.n += 3;
    missing.n++;
    counter.inc({ route: '/a', status: '200' }); // direct increments still count
    const text = await registry.metrics();
    expect(text).toContain('test_total{route="/a",status="200"} 4');
    expect(text).toContain('test_total{route="/a",status="404"} 1');
    expect(text).not.toContain('/never');
    ok.n += 2;
    const values = (await counter.get()).values;
    expect(values.find((v) => v.labels.status === '200')?.value).toBe(6);
    expect(await registry.metrics()).toContain('test_total{route="/a",status="200"} 6');
  });
});

describe('tallyLookup', () => {
  it('makes one tally per label set and returns it again for the same values', () => {
    const made: string[] = [];
    const tallyOf = tallyLookup((a: string, b: string, c: number) => {
      made.push(`${a}|${b}|${c}`);
      return { n: 0 };
    });
    tallyOf('r', 'GET', 200).n++;
    tallyOf('r', 'GET', 200).n++;
    tallyOf('r', 'GET', 404).n++;
    tallyOf('q', 'GET', 200).n++;
    expect(made).toEqual(['r|GET|200', 'r|GET|404', 'q|GET|200']);
    expect(tallyOf('r', 'GET', 200).n).toBe(2);
    expect(tallyOf('r', 'GET', 404)).not.toBe(tallyOf('r', 'GET', 200));
  });
});
