import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedFeed } from '@riskgate/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDatasetsDir, loadIntelSource } from './intel-source.ts';
import { loadIntelFiles } from './load-files.ts';

const DATASETS = defaultDatasetsDir();
const scratch = mkdtempSync(join(tmpdir(), 'riskgate-one-loader-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every indicator as `kind value`, plus the OS intel records, so two loads can be compared whole. */
function indicatorSet(feeds: readonly ParsedFeed[]): Set<string> {
  const out = new Set<string>();
  for (const feed of feeds) {
    for (const indicator of feed.indicators) out.add(`${indicator.kind} ${indicator.value}`);
    for (const kev of feed.kev) out.add(`kev ${kev.cveId}`);
    for (const cycle of feed.eolCycles) out.add(`eol ${cycle.product} ${cycle.cycle}`);
  }
  return out;
}

function recordingLogger() {
  const lines: { level: string; path: unknown; reason: unknown }[] = [];
  const record = (level: string) => (fields: { path?: unknown; reason?: unknown }) =>
    lines.push({ level, path: fields.path, reason: fields.reason });
  return { lines, logger: { info: record('info'), warn: record('warn') } };
}

describe('one intel loader for the CLI, the server and the benchmarks', () => {
  it('gives the server start-up and the CLI the same indicator set from ../shared/datasets', async () => {
    const { logger } = recordingLogger();
    const server = await loadIntelSource([DATASETS], logger);
    const cli = await loadIntelFiles([DATASETS]);
    const fromServer = indicatorSet(server.feeds);
    expect(fromServer.size).toBeGreaterThan(1000);
    expect([...fromServer].sort()).toEqual([...indicatorSet(cli.feeds)].sort());
    // The server answers from that set: a listed stalkerware app is found.
    expect(server.lookup('any-tenant').find('app-id', 'com.apspy.app')).toBeDefined();
  }, 120_000);

  it('logs every file it does not load with the reason, and lists it', async () => {
    const dir = join(scratch, 'mixed');
    mkdirSync(join(dir, 'campaign'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), '# not intel\n');
    writeFileSync(join(dir, 'big.txt'), `${'evil.example\n'.repeat(200)}`);
    writeFileSync(join(dir, 'campaign', 'domains.txt'), 'covered.example\n');
    writeFileSync(
      join(dir, 'campaign', 'campaign.stix2'),
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--00000000-0000-4000-8000-000000000000',
        objects: [
          {
            type: 'indicator',
            id: 'indicator--00000000-0000-4000-8000-000000000001',
            spec_version: '2.1',
            created: '2024-01-01T00:00:00Z',
            modified: '2024-01-01T00:00:00Z',
            pattern: "[domain-name:value = 'bundle.example']",
            pattern_type: 'stix',
            valid_from: '2024-01-01T00:00:00Z',
          },
        ],
      }),
    );
    const missing = join(scratch, 'does-not-exist');
    const { lines, logger } = recordingLogger();
    const loaded = await loadIntelSource([dir, missing], logger, { maxFileBytes: 1024 });

    const notLoaded = loaded.files.filter((file) => file.status !== 'loaded');
    expect(notLoaded.map((file) => file.path).sort()).toEqual(
      [join(dir, 'README.md'), join(dir, 'big.txt'), join(dir, 'campaign', 'domains.txt'), missing].sort(),
    );
    for (const file of notLoaded) {
      expect(file.reason, file.path).toMatch(/\w/);
      expect(lines).toContainEqual(expect.objectContaining({ path: file.path, reason: file.reason }));
    }
    expect(lines.find((line) => line.path === missing)?.level).toBe('warn');
    expect(loaded.lookup('t').findDomain('bundle.example')).toBeDefined();
  });
});
