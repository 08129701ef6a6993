import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../../../test-support/datasets.ts';
import type { IndicatorKind } from '../../types.ts';
import type { ParsedFeed } from '../types.ts';
import { detectFormat, parseIntelFile } from './detect.ts';

const FIXTURES = fileURLToPath(new URL('../../../test-support/fixtures/intel-reports/', import.meta.url));
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

/** The distinct values of one kind a parsed feed holds. */
function valuesOf(feed: ParsedFeed, kind: IndicatorKind): Set<string> {
  return new Set(feed.indicators.filter((i) => i.kind === kind).map((i) => i.value));
}

/** Every match of group 1 of `pattern` (global, multiline) in `text`, transformed and deduplicated. */
function grep(text: string, pattern: RegExp, map: (value: string) => string = (v) => v): Set<string> {
  return new Set([...text.matchAll(pattern)].map((m) => map((m[1] ?? '').trim())));
}

const lower = (v: string) => v.toLowerCase();

// Expected values are taken from the raw text with regular expressions, line by line, not through
// the parser's CSV splitting or its token rules; the counts in the comments were checked by hand with
// the `grep` commands given (run in ../shared/datasets/vendor-iocs).
describe('vendor sheets (sophoslabs, Indicator_type,Data,Notes)', () => {
  const sheets = [
    // grep -c '^sha256,' → 19; grep -c '^domain,' → 4; grep -c '^ip,' → 4; packages in the notes: 6 distinct
    { file: 'sophoslabs/Android-pakchat.csv', family: 'pakchat', category: 'spyware', sha256: 19, ips: 4 },
    // grep -c '^sha256,' → 7; 4 certificate_serial rows; 4 filename rows (4 distinct packages)
    { file: 'sophoslabs/Android_C23-spyware.csv', family: 'C23', category: 'spyware', sha256: 7, ips: 0 },
    // grep -c '^sha256,' → 4; 4 filename rows = the 4 packages in the hash notes
    { file: 'sophoslabs/PJobRAT_IOCs.csv', family: 'PJobRAT', category: 'trojan', sha256: 4, ips: 0 },
  ] as const;

  it.each(sheets)('$file: every hash, package, domain and IP; family $family', (sheet) => {
    const path = `vendor-iocs/${sheet.file}`;
    const text = readDataset(path).replace(/\r/g, '');
    expect(detectFormat(path, text)).toBe('ioc-csv');
    const feed = parseIntelFile(readDataset(path), path);

    const sha256 = grep(text, /^sha256,\s*([0-9a-f]{64})/gim, lower);
    expect(sha256.size).toBe(sheet.sha256);
    expect(valuesOf(feed, 'file-sha256')).toEqual(sha256);

    // Domains: domain rows, domain:port rows, and the hosts of URL rows (defanged or not).
    const domains = new Set([
      ...grep(text, /^domain(?:_port)?,([^,:\n]+)/gim, lower),
      ...grep(text, /^url(?:_path)?,(?:h(?:xx|tt)ps?:\/\/)?([a-z0-9.-]+\.[a-z]{2,})[/:]/gim, lower),
    ]);
    expect(valuesOf(feed, 'domain')).toEqual(domains);

    const ips = grep(text, /^ip,([\d.]+)/gim);
    expect(ips.size).toBe(sheet.ips);
    expect(valuesOf(feed, 'ip')).toEqual(ips);

    // Packages: filename rows, and the package name in a hash row's note (bare or in parentheses).
    const packages = new Set([
      ...grep(text, /^filename,([a-z][\w]*(?:\.[\w]+)+)\s*,/gim, lower),
      ...grep(text, /^sha256,[0-9a-f]{64}\s*,(?:[^(\n]*\()?([a-z][\w]*(?:\.[\w]+)+)\)?\s*$/gim, lower),
    ]);
    expect(valuesOf(feed, 'app-id')).toEqual(packages);
    // Certificate rows (40 hex digits) are signer SHA-1s.
    expect(valuesOf(feed, 'cert-sha1')).toEqual(grep(text, /^certificate_serial,([0-9a-f]{40})/gim, lower));

    for (const indicator of feed.indicators) {
      expect(indicator.provenance.family).toBe(sheet.family);
      expect(indicator.provenance.category).toBe(sheet.category);
      expect(indicator.provenance.source).toMatch(
        new RegExp(`^sophoslabs/${sheet.file.split('/')[1]}:\\d+$`),
      );
    }
  });

  it('keeps the Description row’s report URL as the reference and the line of each indicator', () => {
    const path = 'vendor-iocs/sophoslabs/Android-pakchat.csv';
    const feed = parseIntelFile(readDataset(path), path);
    const ip = feed.indicators.find((i) => i.value === '172.241.27.67');
    expect(ip?.provenance).toMatchObject({
      reference: 'https://news.sophos.com/en-us/2021/01/12/new-android-spyware-targets-users-in-pakistan/',
      // grep -n '172.241.27.67' Android-pakchat.csv → 9
      source: 'sophoslabs/Android-pakchat.csv:9',
    });
    // Path-only URL rows are listed as skipped with the reason, never dropped silently.
    expect(feed.skipped.filter((s) => /path-only URL/.test(s))).toHaveLength(17);
  });
});

describe('MISP CSV exports (citizenlab)', () => {
  it.each([
    // grep -c ',domain,"' → 46; grep -c ',ip-dst,"' → 6; grep -c ',url,"' → 10
    ['citizenlab/201608_NSO_Group/iocs.csv', 46, 6, 10],
    // grep -c ',domain,"' → 20
    ['citizenlab/201810_TheKingdomCameToCanada/iocs.csv', 20, 0, 0],
  ])('%s: domains, IPs and URLs (with their hosts)', (file, domainRows, ipRows, urlRows) => {
    const path = `vendor-iocs/${file}`;
    const text = readDataset(path);
    const feed = parseIntelFile(text, path);
    const domains = grep(text, /,domain,"([^"]+)"/g, lower);
    expect(domains.size).toBe(domainRows);
    const urlHosts = grep(text, /,url,"https?:\/\/([^/":]+)/g, lower);
    expect(valuesOf(feed, 'domain')).toEqual(new Set([...domains, ...urlHosts]));
    expect(valuesOf(feed, 'ip')).toEqual(grep(text, /,ip-dst,"([^"]+)"/g));
    expect(valuesOf(feed, 'ip').size).toBe(ipRows);
    expect(valuesOf(feed, 'url').size).toBe(urlRows);
    // The family is the campaign folder's name (date prefix removed); never phishing.
    expect(new Set(feed.indicators.map((i) => i.provenance.category))).not.toContain('phishing');
    expect(feed.family).toBe(file.includes('NSO') ? 'NSO Group' : 'TheKingdomCameToCanada');
  });
});

describe('write-ups', () => {
  it('NSO_Group/README.md: family from the title, its report links are references, not indicators', () => {
    const path = 'vendor-iocs/citizenlab/201608_NSO_Group/README.md';
    const feed = parseIntelFile(readDataset(path), path);
    expect(feed.format).toBe('ioc-text');
    expect(feed.family).toBe('NSO Group');
    expect(feed.indicators).toEqual([]);
    // The file names it lists are rejected with the reason.
    expect(feed.skipped).toEqual(
      expect.arrayContaining([expect.stringMatching(/stix\.xml: file name \(\.xml\)/)]),
    );
  });

  it('ESET aridspy/README.adoc (AsciiDoc): 15 SHA-1s and 18 defanged C&C domains', () => {
    const text = fixture('aridspy/README.adoc');
    const feed = parseIntelFile(text, 'intel-fixtures/aridspy/README.adoc');
    expect(feed.format).toBe('ioc-text');
    const sha1 = grep(text, /^([0-9A-F]{40})$/gm, lower);
    expect(sha1.size).toBe(15);
    expect(valuesOf(feed, 'file-sha1')).toEqual(sha1);
    const domains = grep(text, /^([\w.-]+\[\.\][a-z]+)$/gm, (v) => v.replace('[.]', '.').toLowerCase());
    expect(domains.size).toBe(18);
    expect(valuesOf(feed, 'domain')).toEqual(domains);
    // The blog post's plain URL is the publisher's (welivesecurity.com), not an indicator.
    expect(valuesOf(feed, 'url').size).toBe(0);
    expect(feed.family).toBe('AridSpy');
    expect(feed.indicators[0]?.provenance).toMatchObject({
      category: 'spyware',
      source: 'aridspy/README.adoc:9',
    });
  });

  it('a Markdown write-up: every defanging form, tables, rejection of non-indicators', () => {
    const feed = parseIntelFile(fixture('writeup-shapes/FakeCallSpy.md'), 'writeup-shapes/FakeCallSpy.md');
    const all = Object.fromEntries(
      (
        [
          'app-id',
          'file-sha1',
          'file-md5',
          'file-sha256',
          'cert-sha1',
          'domain',
          'ip',
          'url',
          'email',
        ] as const
      ).map((kind) => [kind, [...valuesOf(feed, kind)].sort()]),
    );
    expect(all).toEqual({
      'app-id': ['com.fakecall.spy', 'com.sec.callrecorder_pro'],
      'file-sha1': ['3a4b5c6d7e8f90123456789abcdef0123456789a', '4b5c6d7e8f90123456789abcdef0123456789ab0'],
      'file-md5': ['0123456789abcdef0123456789abcdef', '123456789abcdef0123456789abcdef0'],
      'file-sha256': ['9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0'],
      'cert-sha1': ['5c6d7e8f90123456789abcdef0123456789ab0c1'],
      domain: ['api.fakecall-cdn.com', 'update-center.online'],
      ip: ['185.220.101.45', '2a0b:4d07:2::1', '91.215.85.17'],
      url: ['91.215.85.17/gate.php', 'update-center.online/app/update.apk'],
      email: ['support@fakecall-help.top'],
    });
    const reasons = feed.skipped.join('\n');
    for (const expected of [
      '2.4.1: version string',
      'github.com/mvt-project/mvt: well-known benign site (github.com)',
      'libcore.so: file name (.so)',
      'info.plist: file name (.plist)',
      '192.168.1.10: private address (RFC 1918)',
      'example.com: documentation or special-use name',
      'evil.test: documentation or special-use name (.test)',
    ])
      expect(reasons).toContain(expected);
    expect(feed.family).toBe('FakeCallSpy');
    expect(feed.indicators.every((i) => i.provenance.category === 'spyware')).toBe(true);
  });

  it('an HTML blog post: entities decoded, scripts ignored, links are references, the publisher is not an indicator', () => {
    const feed = parseIntelFile(
      fixture('writeup-shapes/mobile-banker-blog.html'),
      'writeup-shapes/mobile-banker-blog.html',
    );
    expect([...valuesOf(feed, 'domain')]).toEqual(['heist-panel.xyz']);
    expect([...valuesOf(feed, 'app-id')]).toEqual(['com.droid.heist.wallet']);
    expect([...valuesOf(feed, 'ip')]).toEqual(['45.142.212.61']);
    expect(valuesOf(feed, 'email').size).toBe(0);
    expect(feed.family).toBe('DroidHeist');
    expect(feed.indicators[0]?.provenance).toMatchObject({
      category: 'banking-trojan',
      reference: 'https://labs.vendor-news.com/droidheist',
    });
  });
});

describe('hash lists, IP lists and CSVs with their own header', () => {
  it.each([
    ['aridspy/samples.sha1', 'file-sha1', 15],
    ['aridspy/samples.sha256', 'file-sha256', 15],
  ] as const)('%s → %s × %i', (path, kind, count) => {
    const text = fixture(path);
    expect(detectFormat(path, text)).toBe('hash-list');
    const feed = parseIntelFile(text, `intel-fixtures/${path}`);
    // wc -l + the last line without a newline: 15 lines of hex.
    expect(valuesOf(feed, kind)).toEqual(grep(text, /^([0-9a-f]+)$/gm));
    expect(valuesOf(feed, kind).size).toBe(count);
    expect(feed.indicators[2]?.provenance.source).toBe(`${path}:3`);
  });

  it('a hash of another length in a named list is skipped with the reason', () => {
    const feed = parseIntelFile(
      `${'a'.repeat(64)}\n${'b'.repeat(63)}c\n${'c'.repeat(40)}\n`,
      'x/samples.sha256',
    );
    expect(feed.indicators).toHaveLength(2);
    expect(feed.skipped).toEqual([`line 3: a SHA1 in a SHA256 list: ${'c'.repeat(40)}`]);
  });

  it('Amnesty finfisher/ips.txt: an IP list; private and documentation addresses skipped', () => {
    const text = fixture('2020-09-25_finfisher/ips.txt');
    expect(detectFormat('2020-09-25_finfisher/ips.txt', text)).toBe('ip-list');
    const feed = parseIntelFile(text, '2020-09-25_finfisher/ips.txt');
    expect(valuesOf(feed, 'ip')).toEqual(grep(text, /^([\d.]+)$/gm));
    expect(feed.family).toBe('finfisher');
    const mixed = parseIntelFile('1.2.3[.]4\n10.1.2.3\n203.0.113.9 # doc\n8.8.4.4:53\n', 'c2/ips.txt');
    expect([...valuesOf(mixed, 'ip')]).toEqual(['1.2.3.4', '8.8.4.4']);
    expect(mixed.skipped).toEqual([
      'line 2: 10.1.2.3: private address (RFC 1918)',
      'line 3: 203.0.113.9: documentation address (RFC 5737)',
    ]);
  });

  it('Amnesty finfisher/sha256.csv: a CSV with a hash column and its own header', () => {
    const text = fixture('2020-09-25_finfisher/sha256.csv');
    expect(detectFormat('sha256.csv', text)).toBe('ioc-csv');
    const feed = parseIntelFile(text, '2020-09-25_finfisher/sha256.csv');
    expect(valuesOf(feed, 'file-sha256')).toEqual(grep(text, /^([0-9a-f]{64}),/gm));
    expect(valuesOf(feed, 'file-sha256').size).toBe(12);
  });

  it('a file of file names is not a domain list', () => {
    expect(detectFormat('c2/names.txt', 'Info.plist\nlibcore.so\nbase.apk\npayload.js\n')).toBeUndefined();
    // In a domain list, a file name line is skipped with the reason; `evil.pl` stays a domain.
    const feed = parseIntelFile(
      'evil.pl\nbad-domain.app\nInfo.plist\nother.com\nmore.net\nc2.org\nx.info\n',
      'c2/domains-list.txt',
    );
    expect([...valuesOf(feed, 'domain')].sort()).toEqual([
      'bad-domain.app',
      'c2.org',
      'evil.pl',
      'more.net',
      'other.com',
      'x.info',
    ]);
    expect(feed.skipped).toEqual(['line 3: file name, not a domain: Info.plist']);
  });

  it('a domain list with a campaign context is that campaign’s infrastructure, not phishing', () => {
    const feed = parseIntelFile('c2.evil-cdn.com\n', 'FooSpy/c2.txt', {
      context: { family: 'FooSpy', category: 'spyware', from: 'foospy.stix2' },
    });
    expect(feed.indicators[0]?.provenance).toMatchObject({ family: 'FooSpy', category: 'spyware' });
    expect(parseIntelFile('c2.evil-cdn.com\n', 'lists/c2.txt').indicators[0]?.provenance.category).toBe(
      'phishing',
    );
  });
});
