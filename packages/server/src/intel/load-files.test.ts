import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIntelFiles } from './load-files.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DATASETS = process.env.RISKGATE_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');
const scratch = mkdtempSync(join(tmpdir(), 'riskgate-intel-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('loadIntelFiles', () => {
  it('loads the stalkerware-indicators directory and skips its licence note', async () => {
    const { feeds, errors, files } = await loadIntelFiles([join(DATASETS, 'stalkerware-indicators')]);
    expect(errors).toEqual([]);
    expect(feeds.map((f) => f.format).sort()).toEqual([
      'domain-list',
      'stalkerware-network-csv',
      'stalkerware-samples-csv',
      'stalkerware-yaml',
      'stalkerware-yaml',
      'stix2',
    ]);
    expect(files.find((f) => f.path.endsWith('LICENSE-NOTE.txt'))).toMatchObject({ status: 'skipped' });
    // An APK hash per row, plus a package and a certificate where the row has them.
    const rows = readFileSync(join(DATASETS, 'stalkerware-indicators', 'samples.csv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => l.split(','));
    const expected = rows.reduce((n, r) => n + 1 + (r[1] === '' ? 0 : 1) + (r[2] === '' ? 0 : 1), 0);
    expect(files.find((f) => f.path.endsWith('samples.csv'))).toMatchObject({
      status: 'loaded',
      records: expected,
    });
  });

  it('skips MVT plain lists that duplicate the STIX bundle beside them, READMEs and the index', async () => {
    const { feeds, errors, files } = await loadIntelFiles([join(DATASETS, 'mvt-indicators')]);
    expect(errors).toEqual([]);
    expect(feeds.every((f) => f.format === 'stix2')).toBe(true);
    expect(feeds.length).toBe(11);
    expect(files.find((f) => f.path.endsWith('ResidentBat/package_names.txt'))?.reason).toMatch(
      /covered by the STIX bundle/,
    );
    expect(files.find((f) => f.path.endsWith('indicators.yaml'))?.status).toBe('skipped');
  });

  it('loads an MVT list given explicitly', async () => {
    const { feeds } = await loadIntelFiles([
      join(DATASETS, 'mvt-indicators', 'ResidentBat', 'package_names.txt'),
    ]);
    expect(feeds[0]?.indicators.length).toBe(8);
  });

  it('reports broken and unknown files, and keeps loading the others', async () => {
    const dir = join(scratch, 'mixed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'good.txt'), 'evil.example\nphish.example\n');
    writeFileSync(
      join(dir, 'kev.json'),
      '{\n  "catalogVersion": "1",\n  "vulnerabilities": [\n    {"cveID": "bad"}\n  ]\n}\n',
    );
    writeFileSync(join(dir, 'notes.bin'), 'hello world\nnot intel\n');
    const { feeds, errors, files } = await loadIntelFiles([
      dir,
      join(dir, 'notes.bin'),
      join(scratch, 'missing'),
    ]);
    expect(feeds.map((f) => f.feed)).toEqual(['list:good']);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/kev\.json \(vulnerabilities\[0\]\): entry without a valid cveID/),
      expect.stringMatching(/notes\.bin: unknown intel format/),
      expect.stringMatching(/cannot read/),
    ]);
    expect(files.find((f) => f.path.endsWith('notes.bin') && f.status === 'skipped')).toBeDefined();
  });

  it('reports the line of a syntax error', async () => {
    const path = join(scratch, 'ioc.yaml');
    writeFileSync(path, '- name: A\n  packages:\n  - com.a\n  websites: [a.example\n');
    const { errors } = await loadIntelFiles([path]);
    expect(errors[0]?.line).toBeGreaterThanOrEqual(4);
    expect(errors[0]?.message).toContain('ioc.yaml:');
  });

  it('vendor-iocs: every sheet, the MISP CSV and the MISP JSON loaded with their family; the README skipped with its reason', async () => {
    const { feeds, errors, files } = await loadIntelFiles([join(DATASETS, 'vendor-iocs')]);
    expect(errors).toEqual([]);
    const byName = (end: string) => files.find((f) => f.path.endsWith(end));
    expect(byName('NSO_Group/README.md')).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/write-up without indicators/),
    });
    expect(byName('misp.json')).toMatchObject({
      status: 'loaded',
      format: 'misp',
      family: 'The Kingdom Came To Canada',
      byKind: { domain: 20 },
    });
    // The README's title names the family of the CSV beside it.
    expect(byName('NSO_Group/iocs.csv')).toMatchObject({
      status: 'loaded',
      format: 'ioc-csv',
      family: 'NSO Group',
    });
    expect(byName('Android-pakchat.csv')).toMatchObject({
      family: 'pakchat',
      categories: ['spyware'],
      byKind: { 'file-sha256': 19, ip: 4, domain: 4, 'app-id': 6, url: 1 },
    });
    expect(feeds.map((f) => f.format).sort()).toEqual([...Array(5).fill('ioc-csv'), 'misp']);
    expect(files.every((f) => f.status !== 'skipped' || (f.reason ?? '') !== '')).toBe(true);
  });

  it('a campaign folder: lists inherit the family and category, never phishing', async () => {
    const dir = join(scratch, '2024-05-01_FooSpy');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'README.md'),
      '# FooSpy spyware\n\nThe report: [blog](https://labs.vendor.example/foospy)\n',
    );
    writeFileSync(join(dir, 'c2.txt'), 'c2.foospy-cdn.com\nupdate.foospy-cdn.net\n');
    writeFileSync(join(dir, 'samples.sha1'), `${'ab'.repeat(20)}\n`);
    writeFileSync(join(dir, 'names.txt'), 'Info.plist\nlibfoo.so\n');
    const { feeds, files } = await loadIntelFiles([dir]);
    for (const feed of feeds)
      for (const indicator of feed.indicators)
        expect(indicator.provenance).toMatchObject({ family: 'FooSpy', category: 'spyware' });
    expect(feeds.map((f) => f.format).sort()).toEqual(['domain-list', 'hash-list']);
    expect(files.find((f) => f.path.endsWith('names.txt'))).toMatchObject({ status: 'skipped' });
    expect(files.find((f) => f.path.endsWith('README.md'))?.reason).toMatch(/write-up without indicators/);
  });

  it('a file given alone takes the family of the STIX bundle beside it', async () => {
    const dir = join(scratch, 'bundle-side');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'barspy.stix2'),
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--1',
        objects: [
          { type: 'malware', id: 'malware--1', name: 'BarSpy', is_family: true },
          {
            type: 'indicator',
            id: 'indicator--1',
            pattern: "[domain-name:value='bar.example']",
            pattern_type: 'stix',
          },
          {
            type: 'relationship',
            id: 'relationship--1',
            relationship_type: 'indicates',
            source_ref: 'indicator--1',
            target_ref: 'malware--1',
          },
        ],
      }),
    );
    writeFileSync(join(dir, 'samples.md5'), `${'cd'.repeat(16)}\n`);
    const { feeds } = await loadIntelFiles([join(dir, 'samples.md5')]);
    expect(feeds[0]?.indicators[0]?.provenance).toMatchObject({ family: 'BarSpy', category: 'spyware' });
    expect(feeds[0]?.context).toMatchObject({ family: 'BarSpy', from: 'barspy.stix2' });
  });
});
