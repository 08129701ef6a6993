import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeDeviceServer, startFakeDeviceServer } from '../../test-support/fake-device-server.ts';
import { loadProfileIntel } from '../profiles/datasets.ts';
import { generateDevice } from '../profiles/generate-device.ts';
import { parseDuration, parseInstant } from './args.ts';
import type { Command, CommandIo } from './command.ts';
import { UsageError } from './command.ts';

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

const load = async (name: string): Promise<Command> =>
  (await import(`./commands/${name}.ts`)).command as Command;

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['500ms', 500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text, 'duration', 0)).toBe(ms);
  });
  it.each(['', 'soon', '-5s', '5d'])('refuses %j', (text) => {
    expect(() => parseDuration(text, 'duration', 0)).toThrow(UsageError);
  });
});

describe('parseInstant (--now)', () => {
  it('reads a date or an ISO timestamp, and falls back when absent', () => {
    expect(parseInstant('2029-12-06', 'now', () => new Date(0)).toISOString()).toBe(
      '2029-12-06T00:00:00.000Z',
    );
    expect(parseInstant('2029-12-06T10:30:00+02:00', 'now', () => new Date(0)).toISOString()).toBe(
      '2029-12-06T08:30:00.000Z',
    );
    expect(parseInstant(undefined, 'now', () => new Date(5)).getTime()).toBe(5);
  });
  it.each(['', 'tomorrow', '2029-13-45', '1700000000', '2029-12-06 10:00'])('refuses %j', (text) => {
    expect(() => parseInstant(text, 'now', () => new Date())).toThrow(UsageError);
  });
});

describe('riskgate-agent profile --now', () => {
  it('dates the snapshot from --now: collectedAt, patch level and probes follow it', async () => {
    // The profile reads the datasets where the environment says (RISKGATE_DATASETS), as the CLI does.
    const io = { ...captureIo(), env: process.env };
    expect(await (await load('profile')).run(['clean', '--now', '2029-12-06T12:00:00Z'], io)).toBe(0);
    const snapshot = JSON.parse(io.out()) as { collectedAt: string; device: { securityPatch: string } };
    expect(snapshot.collectedAt).toBe('2029-12-06T12:00:00.000Z');
    const age = (Date.parse('2029-12-06') - Date.parse(snapshot.device.securityPatch)) / 86_400_000;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    await expect((await load('profile')).run(['clean', '--now', 'soon'], captureIo())).rejects.toThrow(
      UsageError,
    );
  });
});

describe('riskgate-agent commands', () => {
  let dir = '';
  let server: FakeDeviceServer;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'riskgate-cli-'));
    server = await startFakeDeviceServer();
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('enroll, report --snapshot, status', async () => {
    const io = captureIo();
    const stateDir = join(dir, 'state');
    expect(
      await (await load('enroll')).run(['--server', server.url, '--token', 't', '--state-dir', stateDir], io),
    ).toBe(0);
    expect(io.out()).toContain('enrolled as dev_1');
    const file = join(dir, 'snapshot.json');
    const { snapshot } = generateDevice('clean', { seed: 1, intel: loadProfileIntel(), now: new Date() });
    await writeFile(file, JSON.stringify(snapshot));
    expect(await (await load('report')).run(['--snapshot', file, '--state-dir', stateDir], io)).toBe(0);
    expect(io.out()).toMatch(/report [0-9a-f-]{36} acknowledged/);
    expect(await (await load('status')).run(['--state-dir', stateDir, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out().trim().split('\n').at(-1) ?? '')).toMatchObject({
      deviceId: 'dev_1',
      riskLevel: 'secured',
    });
    expect(server.stored).toHaveLength(1);
  });

  it('status lists the reports set aside as poison, with their last error', async () => {
    const io = captureIo();
    const stateDir = join(dir, 'poison-state');
    await (await load('enroll')).run(['--server', server.url, '--token', 't', '--state-dir', stateDir], io);
    server.failReportsWhere(() => true, 422, 'unprocessable');
    const file = join(dir, 'snapshot.json');
    const { snapshot } = generateDevice('clean', { seed: 1, intel: loadProfileIntel(), now: new Date() });
    await writeFile(file, JSON.stringify(snapshot));
    expect(await (await load('report')).run(['--snapshot', file, '--state-dir', stateDir], io)).toBe(1);
    expect(await (await load('status')).run(['--state-dir', stateDir], io)).toBe(0);
    expect(io.out()).toMatch(
      /poison {6}report [0-9a-f-]{36} .*server answered 422 unprocessable: fake poison/,
    );
    expect(await (await load('status')).run(['--state-dir', stateDir, '--json'], io)).toBe(0);
    const json = JSON.parse(io.out().trim().split('\n').at(-1) ?? '');
    expect(json.poisoned).toMatchObject([{ lastError: 'server answered 422 unprocessable: fake poison' }]);
  });

  it('enroll without --token is a usage error', async () => {
    await expect(
      (await load('enroll')).run(['--server', server.url, '--state-dir', dir], captureIo()),
    ).rejects.toThrow(UsageError);
  });

  it('scan-adb --replay --offline prints a snapshot built from recorded adb output', async () => {
    const io = captureIo();
    expect(await (await load('scan-adb')).run(['--replay', 'android-13', '--offline'], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ device: { osVersion: '13', model: 'SM-S901B' } });
    expect(io.err()).toContain('samsung SM-S901B, Android 13 (patch 2022-12-01), 5 apps');
  });

  it('scan-adb reports a parse failure as a clear message, exit 1', async () => {
    const io = captureIo();
    const fakeAdb = join(dir, 'adb');
    await writeFile(fakeAdb, '#!/bin/sh\necho "[ro.build.version.release]: [1"\n', { mode: 0o755 });
    expect(await (await load('scan-adb')).run(['--adb', fakeAdb, '--offline'], io)).toBe(1);
    expect(io.err()).toMatch(/cannot parse `getprop` output: .*truncated/);
  });
});
