import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../../../test-support/datasets.ts';
import { detectFormat, parseIntelFile } from './detect.ts';
import { mispFeedFileRole, parseMisp } from './misp.ts';

const FEED = join(dirname(fileURLToPath(import.meta.url)), '../../../test-support/misp-feed');
const read = (name: string) => readFileSync(join(FEED, name), 'utf8');
const EVENT_A = '5f0a0001-0000-4000-8000-00000000000a.json';
const EVENT_B = '5f0a0002-0000-4000-8000-00000000000b.json';

describe('MISP events', () => {
  it('citizenlab misp.json (REST export): every to_ids domain, counted by a regex over the raw text', () => {
    const path = 'vendor-iocs/citizenlab/201810_TheKingdomCameToCanada/misp.json';
    const text = readDataset(path);
    // Independent count: attributes typed domain whose to_ids is true (the file's layout: type, category, to_ids).
    const expected = [...text.matchAll(/"type": "domain",\s*"category": "[^"]+",\s*"to_ids": true/g)].length;
    expect(expected).toBe(20);
    expect(detectFormat(path, text)).toBe('misp');
    const feed = parseIntelFile(text, path);
    expect(feed.format).toBe('misp');
    expect(feed.indicators.filter((i) => i.kind === 'domain')).toHaveLength(expected);
    expect(new Set(feed.indicators.map((i) => i.provenance.family))).toEqual(
      new Set(['The Kingdom Came To Canada']),
    );
    expect(feed.indicators[0]?.provenance.source).toMatch(
      /^misp\.json#5bb27709-12a0-4240-b90e-6f848064ab0b\//,
    );
  });

  it('a feed folder: the counts in the fixture README, family from the galaxy, the rules on to_ids and deleted', () => {
    const a = parseIntelFile(read(EVENT_A), EVENT_A);
    expect(a.format).toBe('misp');
    expect(a.indicators).toHaveLength(9);
    expect(a.skipped).toHaveLength(8);
    const byKind = (kind: string) => a.indicators.filter((i) => i.kind === kind).map((i) => i.value);
    expect(byKind('ip').sort()).toEqual(['62.109.26.144', '91.107.122.180']);
    expect(byKind('file-sha256')).toHaveLength(3);
    expect(byKind('cert-sha256')).toEqual([
      '18afc5c6bfaee504a26291f6bf3e6f823dbedd54bba0c4acac2e7c2414b3e24d',
    ]);
    expect(byKind('app-id')).toEqual(['com.google.bat']);
    expect(byKind('file-md5')).toEqual([createHash('md5').update('riskgate-fixture-apk-1').digest('hex')]);
    expect(byKind('file-sha1')).toEqual([createHash('sha1').update('riskgate-fixture-apk-1').digest('hex')]);
    // Not indicators: the to_ids false source IP, the deleted domain and the deleted object's app.
    const values = new Set(a.indicators.map((i) => i.value));
    for (const absent of ['5.129.230.104', 'residentbat-deleted.invalid', 'com.huaweisettingsapp.mkz'])
      expect(values.has(absent)).toBe(false);
    expect(a.skipped.join('\n')).toMatch(/to_ids false \(context, not an indicator\)/);
    expect(a.skipped.join('\n')).toMatch(/deleted/);
    expect(a.family).toBe('ResidentBat');
    expect(a.indicators.every((i) => i.provenance.family === 'ResidentBat')).toBe(true);
    expect(a.indicators[0]?.provenance.reference).toBe(
      'https://github.com/mvt-project/mvt-indicators/tree/main/ResidentBat',
    );
    expect(a.indicators[0]?.provenance.category).toBe('spyware');

    const b = parseIntelFile(read(EVENT_B), EVENT_B);
    expect(b.indicators).toHaveLength(4);
    expect(b.skipped).toHaveLength(1);
    expect(b.family).toBe('TheTruthSpy');
    expect(b.indicators.map((i) => `${i.kind}:${i.value}`).sort()).toEqual([
      'app-id:com.apspy.app',
      'cert-sha1:31a6ececd97cf39bc4126b8745cd94a7c30bf81c',
      'domain:copy9.com',
      'ip:69.64.74.239',
    ]);
    expect(b.category).toBe('stalkerware');
  });

  it('every indexed value is one of the feed’s hashes.csv digests (MD5 of attribute values)', () => {
    const digests = new Set(
      read('hashes.csv')
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    );
    for (const name of [EVENT_A, EVENT_B])
      for (const { value } of parseIntelFile(read(name), name).indicators) {
        const raw = read(name).match(new RegExp(value.replace(/[.]/g, '\\.'), 'i'))?.[0] ?? value;
        expect(digests.has(createHash('md5').update(raw).digest('hex'))).toBe(true);
      }
  });

  it('the manifest and hashes.csv are not intel; they say what they are', () => {
    for (const name of ['manifest.json', 'hashes.csv']) {
      expect(detectFormat(name, read(name))).toBeUndefined();
      expect(mispFeedFileRole(name, read(name))).toMatch(/^MISP feed/);
    }
    expect(readdirSync(FEED).filter((n) => /^[0-9a-f-]{36}\.json$/.test(n))).toHaveLength(
      Object.keys(JSON.parse(read('manifest.json')) as object).length,
    );
  });

  it('refuses what is not an event, naming the file', () => {
    expect(() => parseMisp('{"response":[{"nope":1}]}', 'x.json')).toThrow(
      'x.json (events[0]): not a MISP event',
    );
    expect(() => parseMisp('{"Event":', 'y.json')).toThrow(/y\.json:1: invalid JSON/);
  });
});
