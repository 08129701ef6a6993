import { describe, expect, it } from 'vitest';
import { dataLines, listDataset, readDataset } from '../../../test-support/datasets.ts';
import { buildIntelIndex } from '../index-builder.ts';
import {
  campaignName,
  MVT_LIST_KINDS,
  maltrailFamily,
  parseDomainList,
  parseMaltrail,
  parseMvtList,
} from './lists.ts';

const MVT_LISTS = listDataset('mvt-indicators').filter(
  (p) => MVT_LIST_KINDS[p.split('/').pop() ?? ''] !== undefined,
);

describe.each(MVT_LISTS)('parseMvtList(%s)', (path) => {
  const text = readDataset(path);
  const feed = parseMvtList(text, path);
  it('yields one indicator per non-empty line (a few invalid lines skipped, never silently)', () => {
    expect(feed.indicators.length + feed.skipped.length).toBe(dataLines(text).length);
    expect(feed.skipped.length).toBeLessThanOrEqual(1);
  });
  it('attributes to the campaign folder', () => {
    const folder = path.split('/').slice(-2)[0] ?? '';
    for (const i of feed.indicators)
      expect(i.provenance).toMatchObject({ family: campaignName(folder), category: 'spyware' });
  });
});

describe('MVT plain lists', () => {
  it('finds real ResidentBat package, cert hash and APK hash', () => {
    const feeds = ['package_names.txt', 'package_cert_hashes.txt', 'sha256.txt'].map((name) => {
      const path = `mvt-indicators/ResidentBat/${name}`;
      return parseMvtList(readDataset(path), path);
    });
    const index = buildIntelIndex(feeds);
    expect(index.find('app-id', 'com.google.bat')?.provenance[0]?.family).toBe('ResidentBat');
    expect(
      index.find('cert-sha256', '18afc5c6bfaee504a26291f6bf3e6f823dbedd54bba0c4acac2e7c2414b3e24d')
        ?.provenance[0]?.family,
    ).toBe('ResidentBat');
    expect(
      index.find('file-sha256', '07d39205f9ba159236477a02cdb3350fac4f158e0dbf26576bb50604339b1f42'),
    ).toBeDefined();
  });

  it('accepts defanged domains and strips the date from campaign folders', () => {
    const feed = parseMvtList(
      'evil[.]example\nhxxp-not-a-domain\nOther(.)Example.\n',
      '2024-01-02_some_campaign/domains.txt',
    );
    expect(feed.indicators.map((i) => i.value)).toEqual(['evil.example', 'other.example']);
    expect(feed.indicators[0]?.provenance.family).toBe('some_campaign');
    expect(feed.skipped).toHaveLength(1);
  });

  it('rejects a list that is mostly invalid, naming the first bad line', () => {
    expect(() => parseMvtList('# c\nnot a hash\nalso not\n', 'x/sha256.txt')).toThrow('x/sha256.txt:2:');
    expect(() => parseMvtList('a', 'x/unknown.txt')).toThrow('x/unknown.txt: not an MVT list file name');
  });
});

describe('parseMaltrail', () => {
  const files = listDataset('maltrail-mobile-trails/trails');

  it('takes the family from the file name', () => {
    expect(maltrailFamily('trails/android_cerberus.txt')).toBe('cerberus');
    expect(maltrailFamily('ios_xcodeghost.txt')).toBe('xcodeghost');
  });

  it.each(['android_cerberus.txt', 'android_spynote.txt', 'android_actionspy.txt', 'ios_xcodeghost.txt'])(
    'accounts for every trail of %s (indexed or skipped)',
    (name) => {
      const path = `maltrail-mobile-trails/trails/${name}`;
      const text = readDataset(path);
      const feed = parseMaltrail(text, path);
      expect(feed.indicators.length + feed.skipped.length).toBe(dataLines(text).length);
    },
  );

  it('indexes domains, IP:port, scheme URLs and host/path URLs of all 261 files', () => {
    expect(files.length).toBe(261);
    const feeds = files.map((path) => parseMaltrail(readDataset(path), path));
    const trails = files.reduce((n, path) => n + dataLines(readDataset(path)).length, 0);
    const indexed = feeds.reduce((n, f) => n + f.indicators.length, 0);
    const skipped = feeds.reduce((n, f) => n + f.skipped.length, 0);
    expect(indexed + skipped).toBe(trails);
    // Path-only trails (`/x.php`) are the only large skipped group.
    const pathOnly = files.reduce(
      (n, path) => n + dataLines(readDataset(path)).filter((l) => l.startsWith('/')).length,
      0,
    );
    expect(skipped - pathOnly).toBeLessThan(10);
    const index = buildIntelIndex(feeds);
    expect(index.findDomain('JABIXOHETEDE.tk')?.provenance[0]).toMatchObject({
      feed: 'maltrail',
      family: 'cerberus',
      category: 'banking-trojan',
      reference: 'https://twitter.com/ESETresearch/status/1162315627052306432',
    });
    expect(index.find('ip', '114.215.41.93')).toBeDefined(); // from `http://114.215.41.93`
  });

  it('parses IP:port and URLs, skips regex and path-only trails, categorises non-banking families as c2', () => {
    const text =
      '# Reference: https://r.example\n1.2.3.4:8080\nevil.example/gate.php\n/only/path\nwww\\.[a-z]{2}\\.top$\nhttp://5.6.7.8\n';
    const feed = parseMaltrail(text, 'android_somerat.txt');
    expect(feed.indicators.map((i) => [i.kind, i.value])).toEqual([
      ['ip', '1.2.3.4'],
      ['url', 'evil.example/gate.php'],
      ['ip', '5.6.7.8'],
    ]);
    expect(feed.indicators[0]?.provenance).toMatchObject({
      category: 'c2',
      family: 'somerat',
      reference: 'https://r.example',
    });
    expect(feed.skipped).toHaveLength(2);
  });
});

describe('parseDomainList', () => {
  it('reads the phishing sample: 5,006 domains, category phishing', () => {
    const path = 'phishing-domains-blocklistproject/phishing-nl.sample.txt';
    const text = readDataset(path);
    const feed = parseDomainList(text, path);
    expect(feed.indicators.length).toBe(dataLines(text).length);
    expect(feed.indicators.length).toBe(5006);
    expect(feed.feed).toBe('blocklistproject-phishing');
    const index = buildIntelIndex([feed]);
    expect(index.findDomain('a.b.000wechost.000webhostapp.com')?.provenance[0]?.category).toBe('phishing');
  });

  it('reads the stalkerware hosts file as stalkerware C2', () => {
    const path = 'stalkerware-indicators/hosts';
    const text = readDataset(path);
    const feed = parseDomainList(text, path);
    expect(feed.indicators.length).toBe(dataLines(text).length);
    expect(feed.indicators[0]?.provenance).toMatchObject({
      feed: 'stalkerware-indicators',
      category: 'stalkerware',
    });
  });

  it('reads hosts-file and Adblock lines, skips localhost, refangs', () => {
    const text =
      '# hosts\n127.0.0.1 localhost\n0.0.0.0 Evil.Example\n::1 ip6-localhost\n||ads.example^\nphish[.]example # note\n';
    const feed = parseDomainList(text, 'custom.txt');
    expect(feed.indicators.map((i) => i.value)).toEqual(['evil.example', 'ads.example', 'phish.example']);
    expect(feed.feed).toBe('list:custom');
  });

  it('rejects a file that is mostly not domains, naming the first bad line', () => {
    expect(() => parseDomainList('# x\nhello world\nfoo bar\nok.example\n', 'bad.txt')).toThrow('bad.txt:2:');
  });
});
