/**
 * `riskgate-agent scan`: --assess flags an indicator planted in a test feed (the SHA-256, SHA-1 and
 * MD5 of the acquisition's own APKs), --report sends the snapshot (as a new device or the enrolled
 * one), --json carries the coverage, and a damaged file exits 1 naming it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeDeviceServer, startFakeDeviceServer } from '../../test-support/fake-device-server.ts';
import { locateDatasets } from '../profiles/datasets.ts';
import { type CommandIo, UsageError } from './command.ts';
import { command as scan } from './commands/scan.ts';

const ARTIFACTS = join(locateDatasets(), 'mvt-test-artifacts');
const QF = join(ARTIFACTS, 'androidqf');
const temp = mkdtempSync(join(tmpdir(), 'riskgate-scan-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function captureIo(): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

interface Entry {
  name: string;
  files: { sha256: string; sha1: string; md5: string }[];
}
const packages = JSON.parse(readFileSync(join(QF, 'packages.json'), 'utf8')) as Entry[];
const hashOf = (index: number, kind: 'sha256' | 'sha1' | 'md5') => packages[index]?.files[0]?.[kind] ?? '';

describe('scan --assess (offline, with --intel)', () => {
  it('flags the APKs whose SHA-256, SHA-1 and MD5 a test feed lists, and nothing for an unrelated feed', async () => {
    const planted = join(temp, 'planted');
    mkdirSync(planted);
    writeFileSync(join(planted, 'planted.sha256'), `${hashOf(0, 'sha256')}\n`);
    writeFileSync(join(planted, 'planted.sha1'), `${hashOf(1, 'sha1')}\n`);
    writeFileSync(join(planted, 'planted.md5'), `${hashOf(2, 'md5')}\n`);
    const io = captureIo();
    expect(await scan.run([QF, '--assess', '--intel', planted, '--json'], io)).toBe(0);
    const output = JSON.parse(io.out()) as {
      source: string;
      coverage: { missing: { field: string }[] };
      assessment: { riskLevel: string; detections: { evidence: unknown[] }[] };
    };
    expect(output.source).toBe('androidqf');
    expect(output.coverage.missing.map((m) => m.field)).toContain('device.securityPatch');
    const evidence = JSON.stringify(output.assessment.detections);
    for (const hash of [hashOf(0, 'sha256'), hashOf(1, 'sha1'), hashOf(2, 'md5')])
      expect(evidence).toContain(hash);
    expect(output.assessment.riskLevel).toBe('high');

    const unrelated = join(temp, 'unrelated');
    mkdirSync(unrelated);
    writeFileSync(join(unrelated, 'other.sha256'), `${'ab'.repeat(32)}\n`);
    const clean = captureIo();
    expect(await scan.run([QF, '--assess', '--intel', unrelated, '--json'], clean)).toBe(0);
    const again = JSON.stringify((JSON.parse(clean.out()) as { assessment: unknown }).assessment);
    for (const hash of [hashOf(0, 'sha256'), hashOf(1, 'sha1'), hashOf(2, 'md5')])
      expect(again).not.toContain(hash);
  });

  it('--assess without --intel is a usage error', async () => {
    await expect(scan.run([QF, '--assess'], captureIo())).rejects.toThrow(UsageError);
  });
});

describe('scan prints the snapshot and what it could not fill', () => {
  it('--json carries source, snapshot and coverage; stderr lists the missing fields', async () => {
    const io = captureIo();
    expect(await scan.run([join(ARTIFACTS, 'ios_backup'), '--json'], io)).toBe(0);
    const output = JSON.parse(io.out()) as {
      source: string;
      snapshot: { apps: unknown[] };
      coverage: { missing: { field: string }[] };
    };
    expect(output.source).toBe('ios-backup');
    expect(output.snapshot.apps).toHaveLength(6);
    expect(output.coverage.missing.map((m) => m.field)).toContain('integrity.jailbroken');
    expect(io.err()).toMatch(/scanned ios-backup .*: Apple iPhone9,3, iOS 14\.3, 6 apps/);
    expect(io.err()).toMatch(/not filled {2}integrity\.jailbroken: a backup cannot show a jailbreak/);
  });
  it('a damaged file exits 1 with its name and line', async () => {
    const dir = join(temp, 'damaged');
    mkdirSync(dir);
    writeFileSync(join(dir, 'packages.json'), readFileSync(join(QF, 'packages.json'), 'utf8').slice(0, 500));
    const io = captureIo();
    expect(await scan.run([dir], io)).toBe(1);
    expect(io.err()).toMatch(/scan: .*damaged\/packages\.json: line \d+: the file ends before the JSON does/);
  });
  it('a folder that is no acquisition exits 1 and says what is expected', async () => {
    const io = captureIo();
    expect(await scan.run([temp], io)).toBe(1);
    expect(io.err()).toMatch(/not a known acquisition/);
  });
});

describe('scan --report', () => {
  let server: FakeDeviceServer;
  beforeEach(async () => {
    server = await startFakeDeviceServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('enrolls the phone as a new device (--server --token), reports, then reports again as that device', async () => {
    const stateDir = join(temp, `state-${Date.now()}`);
    const io = captureIo();
    expect(
      await scan.run(
        [QF, '--report', '--server', server.url, '--token', 't', '--state-dir', stateDir, '--json'],
        io,
      ),
    ).toBe(0);
    const reply = JSON.parse(io.out()) as { deviceId: string; source: string };
    expect(reply).toMatchObject({ deviceId: 'dev_1', source: 'androidqf' });
    expect(server.stored).toHaveLength(1);
    expect(
      await scan.run([join(ARTIFACTS, 'android_data'), '--report', '--state-dir', stateDir], captureIo()),
    ).toBe(0);
    expect(server.stored).toHaveLength(2);
    // A state directory already enrolled is not enrolled again as a new device.
    await expect(
      scan.run(
        [QF, '--report', '--server', server.url, '--token', 't', '--state-dir', stateDir],
        captureIo(),
      ),
    ).rejects.toThrow(/already enrolled as dev_1/);
  });
  it('without an enrollment and without --token it is a usage error', async () => {
    await expect(scan.run([QF, '--report', '--state-dir', join(temp, 'none')], captureIo())).rejects.toThrow(
      /not enrolled/,
    );
  });
});
