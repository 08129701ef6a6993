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
});
