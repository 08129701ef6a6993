import { describe, expect, it } from 'vitest';
import { createRng } from '../profiles/rng.ts';
import { assignProfiles, parseMix } from './mix.ts';
import { percentile, summarizeLatency } from './stats.ts';

describe('percentile', () => {
  it.each([
    [[], 50, 0],
    [[5], 99, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 10],
  ])('%j p%d = %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
  it('summarizes unsorted latencies', () => {
    expect(summarizeLatency([30, 10, 20])).toEqual({
      count: 3,
      p50: 20,
      p90: 30,
      p99: 30,
      max: 30,
      mean: 20,
    });
  });
});

describe('mix', () => {
  it('parses weights and assigns exact proportions', () => {
    const mix = parseMix('clean=90,stalkerware=5,mitm=5');
    const assigned = assignProfiles(mix, 1000, createRng(1));
    expect(assigned).toHaveLength(1000);
    expect(assigned.filter((name) => name === 'stalkerware')).toHaveLength(50);
    expect(assigned.filter((name) => name === 'clean')).toHaveLength(900);
  });
  it('distributes remainders so the total is exact', () => {
    const assigned = assignProfiles(parseMix('clean=1,c2=1,phishing=1'), 10, createRng(2));
    expect(assigned).toHaveLength(10);
  });
  it.each(['nope=1', 'clean=x', 'clean=0', ''])('refuses %j', (text) => {
    expect(() => parseMix(text)).toThrow();
  });
});

describe('parseIngestCounters', () => {
  it('reads the ingest counters by outcome and ignores other series', async () => {
    const { parseIngestCounters, counterDelta } = await import('./server-metrics.ts');
    const text = [
      '# HELP riskgate_reports_ingested_total Device reports ingested',
      'riskgate_http_requests_total{method="POST",route="/v1/device/reports",status="200"} 933',
      'riskgate_reports_ingested_total{outcome="stored"} 933',
      'riskgate_reports_ingested_total{outcome="duplicate"} 2',
    ].join('\n');
    const after = parseIngestCounters(text);
    expect(after).toEqual({ stored: 933, duplicate: 2, rejected: 0 });
    expect(counterDelta({ stored: 900, duplicate: 2, rejected: 0 }, after)).toEqual({
      stored: 33,
      duplicate: 0,
      rejected: 0,
    });
  });
});
