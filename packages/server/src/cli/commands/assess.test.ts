import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App, Snapshot } from '@riskgate/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, storeApp } from '../../../test-support/snapshots.ts';
import type { CommandIo } from '../command.ts';
import { command } from './assess.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const DATASETS = process.env.RISKGATE_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');
const NOW = '2026-11-25T12:00:00.000Z';
const scratch = mkdtempSync(join(tmpdir(), 'riskgate-assess-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await command.run(args, io);
  return { code, stdout, stderr };
}

const clean = cleanAndroidSnapshot(new Date(NOW));
const stalkerApp: App = { ...storeApp('com.apspy.app'), installer: null };
const infected: Snapshot = {
  ...clean,
  device: { ...clean.device, osVersion: '13', securityPatch: '2023-08-01' },
  apps: [...clean.apps, stalkerApp],
  visitedDomains: [{ domain: 'login.jabixohetede.tk', at: NOW }],
};
const intel = [
  '--intel',
  join(DATASETS, 'stalkerware-indicators'),
  '--intel',
  join(DATASETS, 'maltrail-mobile-trails'),
];
const osIntel = [
  '--intel',
  join(DATASETS, 'cisa-kev'),
  '--intel',
  join(DATASETS, 'android-cve-records'),
  '--intel',
  join(DATASETS, 'endoflife-products', 'android.yaml'),
];

describe('riskgate assess', () => {
  it.each([
    ['no snapshot', []],
    ['two snapshots', ['a.json', 'b.json']],
    ['an unknown option', ['a.json', '--nope']],
    ['a bad --now', ['a.json', '--now', 'yesterday']],
  ])('exits 2 on a usage error: %s', async (_name, args) => {
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: riskgate assess');
  });

  it('exits 1 on an unreadable or invalid snapshot, saying why', async () => {
    const missing = await run(join(scratch, 'missing.json'));
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read snapshot') });
    const broken = await run(file('broken.json', '{"schemaVersion": 1,'));
    expect(broken.code).toBe(1);
    const invalid = await run(
      file('invalid.json', { ...clean, device: { ...clean.device, platform: 'windows' } }),
    );
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringContaining('/device/platform') });
  });

  it('exits 1 when an intel file is broken, naming the file and line', async () => {
    const bad = file('bad-kev.json', '{\n "catalogVersion": "x",\n "vulnerabilities": [\n }\n');
    const result = await run(file('clean.json', clean), '--intel', bad, '--now', NOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad-kev\.json:4: invalid JSON/);
  });

  it('reports a clean device as secured, with or without intel', async () => {
    const path = file('clean.json', clean);
    for (const args of [
      [path, '--now', NOW],
      [path, ...intel, ...osIntel, '--now', NOW],
    ]) {
      const result = await run(...args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('SECURED');
      expect(result.stdout).toContain('no threats found');
    }
  });

  it('prints threats, evidence, family and feed as a table (exit 0 although the risk is high)', async () => {
    const result = await run(file('infected.json', infected), ...intel, ...osIntel, '--now', NOW);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('risk:   HIGH');
    expect(result.stdout).toMatch(/THREAT\s+RISK\s+EVIDENCE\s+FAMILY\s+FEED/);
    expect(result.stdout).toMatch(
      /app\.stalkerware:com\.apspy\.app\s+high\s+app=com\.apspy\.app.*TheTruthSpy\s+stalkerware-indicators/,
    );
    expect(result.stdout).toMatch(/cerberus\s+maltrail/);
    expect(result.stdout).toMatch(/os\.exploited-vulnerability\s+high\s+security-patch=2023-08-01 cve=CVE-/);
    expect(result.stdout).toMatch(/os\.end-of-life:android-13/);
  });

  it('prints JSON with --json', async () => {
    const result = await run(file('infected.json', infected), ...intel, ...osIntel, '--now', NOW, '--json');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      riskLevel: string;
      detections: { key: string; family?: string; evidence: { provenance?: { feed: string } }[] }[];
      intel: { version: string; stats: { indicators: number }; files: { status: string }[] };
    };
    expect(output.riskLevel).toBe('high');
    const stalkerware = output.detections.find((d) => d.key === 'app.stalkerware:com.apspy.app');
    expect(stalkerware?.family).toBe('TheTruthSpy');
    expect(stalkerware?.evidence[0]?.provenance?.feed).toBe('stalkerware-indicators');
    expect(output.detections.map((d) => d.key)).toContain('os.exploited-vulnerability');
    expect(output.intel.stats.indicators).toBeGreaterThan(100_000);
    expect(output.intel.version).toMatch(/^[0-9a-f]{16}$/);
  });
});
