/**
 * The collectors on real acquisitions (MVT's test artifacts in ../shared/datasets, never copied into
 * the repository): each gives a snapshot valid against the JSON Schema whose app count, OS version,
 * patch level and hashes equal what a simpler reading of the same files says.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { createSchemaValidator } from '../../test-support/schema-validator.ts';
import { locateDatasets } from '../profiles/datasets.ts';
import { collectFromPath } from './collect-path.ts';

const ARTIFACTS = join(locateDatasets(), 'mvt-test-artifacts');
const validator = createSchemaValidator();
const options = { now: '2026-12-08T00:00:00.000Z', agentVersion: '0.1.0' };
const read = (path: string) => readFileSync(join(ARTIFACTS, path), 'utf8');
const missingFields = (result: ReturnType<typeof collectFromPath>) =>
  result.coverage.missing.map((m) => m.field);
/** API level → Android version, for the levels these artifacts hold (the test's own table). */
const ANDROID = { '29': '10' } as Record<string, string>;
/** `[name]: [value]` of a getprop text, by grep. */
const getpropValue = (text: string, name: string) =>
  new RegExp(`^\\[${name.replace(/\./g, '\\.')}\\]: \\[(.*)\\]$`, 'm').exec(text)?.[1];
const internalSdk = (text: string) => /Internal:\s*\n\s*sdkVersion=(\d+)/.exec(text)?.[1];
const packageBlocks = (text: string) => text.match(/^ {2}Package \[[^\]]+\]/gm)?.length ?? 0;

const temp = mkdtempSync(join(tmpdir(), 'riskgate-collectors-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('AndroidQF acquisition (folder)', () => {
  const result = collectFromPath(join(ARTIFACTS, 'androidqf'), options);
  const packages = JSON.parse(read('androidqf/packages.json')) as {
    name: string;
    files: { sha256: string; sha1: string; md5: string; certificate: { Sha1: string; Sha256: string } }[];
  }[];
  const getprop = read('androidqf/getprop.txt');
  const dumpsys = read('androidqf/dumpsys.txt');

  it('is detected as AndroidQF and valid against the snapshot schema', () => {
    expect(result.source).toBe('androidqf');
    expect(validator.snapshot(result.snapshot)).toEqual([]);
  });
  it('app count equals the entries of packages.json (JSON.parse + count)', () => {
    expect(packages.length).toBe(7);
    expect(result.snapshot.apps.map((app) => app.id)).toEqual(packages.map((entry) => entry.name));
  });
  it('APK SHA-256/SHA-1/MD5 and certificate digests are those of packages.json, app by app', () => {
    for (const entry of packages) {
      const app = result.snapshot.apps.find((candidate) => candidate.id === entry.name);
      const base = entry.files[0];
      expect(app).toMatchObject({
        fileSha256: base?.sha256,
        fileSha1: base?.sha1,
        fileMd5: base?.md5,
        certSha256: base?.certificate.Sha256.toLowerCase(),
        certSha1: base?.certificate.Sha1.toLowerCase(),
      });
    }
  });
  it('OS version: getprop has no release, dumpsys package says the API level; no patch level', () => {
    expect(getpropValue(getprop, 'ro.build.version.release')).toBeUndefined();
    expect(result.snapshot.device.osVersion).toBe(ANDROID[internalSdk(dumpsys) ?? '']);
    expect(getpropValue(getprop, 'ro.build.version.security_patch')).toBeUndefined();
    expect(result.snapshot.device.securityPatch).toBeUndefined();
    expect(missingFields(result)).toEqual(
      expect.arrayContaining(['device.securityPatch', 'device.model', 'network']),
    );
  });
  it('root binaries and processes come from root_binaries.json and ps.txt', () => {
    const binaries = JSON.parse(read('androidqf/root_binaries.json')) as string[];
    expect(result.snapshot.integrity.rooted).toBe(true);
    expect(result.snapshot.integrity.rootIndicators).toEqual(
      binaries.map((path) => `root binary at ${path}`),
    );
    const psNames = new Set(
      read('androidqf/ps.txt')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/).at(-1)),
    );
    expect(result.snapshot.processes?.length).toBe(psNames.size);
    expect(result.snapshot.integrity.appVerification).toBe(
      /^package_verifier_enable=1$/m.test(read('androidqf/settings_random.txt')),
    );
  });

  it('the same acquisition as a zip (built here from the folder) gives the same snapshot', () => {
    const folder = join(ARTIFACTS, 'androidqf');
    const entries: Record<string, Uint8Array> = {};
    for (const name of readdirSync(folder)) entries[`acquisition/${name}`] = readFileSync(join(folder, name));
    const zip = join(temp, 'androidqf-full.zip');
    writeFileSync(zip, zipSync(entries));
    const fromZip = collectFromPath(zip, options);
    expect(fromZip.source).toBe('androidqf');
    expect(validator.snapshot(fromZip.snapshot)).toEqual([]);
    expect(fromZip.snapshot).toEqual(result.snapshot);
  });

  it('the dataset zip (getprop.txt only) gives a valid snapshot that says apps are missing', () => {
    const fromZip = collectFromPath(join(ARTIFACTS, 'androidqf.zip'), options);
    expect(fromZip.source).toBe('androidqf');
    expect(validator.snapshot(fromZip.snapshot)).toEqual([]);
    expect(fromZip.snapshot.apps).toEqual([]);
    expect(fromZip.snapshot.device.osVersion).toBe('unknown');
    expect(missingFields(fromZip)).toEqual(
      expect.arrayContaining(['apps', 'device.osVersion', 'device.securityPatch']),
    );
  });
});

describe('Android bugreport', () => {
  const text = read('android_data/bugreport/dumpstate.txt');
  it.each([
    ['the bugreport folder', 'android_data/bugreport'],
    ['its dumpstate.txt', 'android_data/bugreport/dumpstate.txt'],
  ])('%s: valid snapshot, apps = Package blocks, OS from sdkVersion, no patch level', (_label, path) => {
    const result = collectFromPath(join(ARTIFACTS, path), options);
    expect(result.source).toBe('bugreport');
    expect(validator.snapshot(result.snapshot)).toEqual([]);
    expect(result.snapshot.apps).toHaveLength(packageBlocks(text));
    expect(result.snapshot.apps.map((app) => app.id)).toContain('com.instagram.android');
    expect(result.snapshot.device.osVersion).toBe(ANDROID[internalSdk(text) ?? '']);
    expect(result.snapshot.device.securityPatch).toBeUndefined();
    expect(missingFields(result)).toEqual(
      expect.arrayContaining(['apps[].fileSha256', 'device.securityPatch']),
    );
  });
  it('a bugreport zip with main_entry.txt (built here) gives the same apps', () => {
    const zip = join(temp, 'bugreport.zip');
    writeFileSync(
      zip,
      zipSync({ 'main_entry.txt': Buffer.from('bugreport-a40.txt'), 'bugreport-a40.txt': Buffer.from(text) }),
    );
    const result = collectFromPath(zip, options);
    expect(result.source).toBe('bugreport');
    expect(result.snapshot.apps).toHaveLength(packageBlocks(text));
  });
});

describe('folder of single adb outputs (android_data)', () => {
  const result = collectFromPath(join(ARTIFACTS, 'android_data'), options);
  it('valid snapshot; apps = Package blocks of dumpsys_packages.txt; OS version unknown and said so', () => {
    expect(result.source).toBe('adb-folder');
    expect(validator.snapshot(result.snapshot)).toEqual([]);
    expect(result.snapshot.apps).toHaveLength(packageBlocks(read('android_data/dumpsys_packages.txt')));
    const getprop = read('android_data/getprop.txt');
    expect(getpropValue(getprop, 'ro.build.version.release')).toBeUndefined();
    expect(result.snapshot.device.osVersion).toBe('unknown');
    expect(result.snapshot.device.securityPatch).toBeUndefined();
    expect(missingFields(result)).toEqual(
      expect.arrayContaining(['device.osVersion', 'device.securityPatch', 'apps[].fileSha256']),
    );
    const ps = read('android_data/ps.txt').trim().split('\n').slice(1);
    expect(result.snapshot.processes?.length).toBe(
      new Set(ps.map((line) => line.trim().split(/\s+/).at(-1))).size,
    );
  });
});

describe('iOS backup', () => {
  const result = collectFromPath(join(ARTIFACTS, 'ios_backup'), options);
  it('valid snapshot; device, iOS version and build from Info.plist', () => {
    expect(result.source).toBe('ios-backup');
    expect(validator.snapshot(result.snapshot)).toEqual([]);
    // The binary plist stores each short string right after its key: read them from the raw bytes.
    const raw = readFileSync(join(ARTIFACTS, 'ios_backup/Info.plist')).toString('latin1');
    expect(result.snapshot.device).toMatchObject({
      platform: 'ios',
      osVersion: /Product Version.(\d+\.\d+(?:\.\d+)?)/.exec(raw)?.[1],
      osBuild: /Build Version.(\w+)/.exec(raw)?.[1],
      model: /Product Type.(iPhone[\d,]+)/.exec(raw)?.[1],
      manufacturer: 'Apple',
    });
    expect(result.snapshot.device.osVersion).toBe('14.3');
  });
  it('apps: the third-party app containers of Manifest.db (raw SQL) are the installed apps', () => {
    const db = new Database(join(ARTIFACTS, 'ios_backup/Manifest.db'), { readonly: true });
    const rows = db
      .prepare(
        "SELECT DISTINCT substr(domain, 11) AS id FROM Files WHERE domain LIKE 'AppDomain-%' AND domain NOT LIKE 'AppDomain-com.apple.%' ORDER BY id",
      )
      .all() as { id: string }[];
    db.close();
    expect(rows).toHaveLength(6);
    expect(result.snapshot.apps.map((app) => app.id)).toEqual(rows.map((row) => row.id));
  });
  it('no configuration profile installed; what a backup cannot see is listed', () => {
    expect(result.snapshot.network.iosProfiles).toEqual([]);
    expect(missingFields(result)).toEqual(
      expect.arrayContaining([
        'apps[].fileSha256',
        'integrity.jailbroken',
        'integrity.screenLock',
        'network',
      ]),
    );
    // Identifiers a backup holds never reach the snapshot.
    const text = JSON.stringify(result.snapshot);
    for (const secret of ['F1234567890', '63847829383904849', '1CB128EAFA77C5BE74283E9A3A2130AF36A3C059'])
      expect(text).not.toContain(secret);
  });
});

describe('bugreport with the sections a full dumpstate has (built here around the real one)', () => {
  const real = read('android_data/bugreport/dumpstate.txt');
  const props = [
    '[ro.build.version.release]: [10]',
    '[ro.build.version.security_patch]: [2022-03-01]',
    '[ro.product.model]: [SM-A405FN]',
    '[ro.product.manufacturer]: [samsung]',
    '[persist.sys.timezone]: [Europe/Paris]',
  ];
  const ps = [
    'LABEL                          USER           PID   TID  PPID     VSZ    RSS WCHAN            ADDR S PRI  NI RTPRIO SCH  PCY     TIME CMD',
    'u:r:init:s0                    root             1     1     0 2172328  10580 0                   0 S  19   0      -   0   fg 00:00:05 init',
    'u:r:untrusted_app:s0:c164,c256 u0_a164      10345 10345   876 5478012 201716 0                   0 S  10 -10      -   0   ta 00:01:02 com.instagram.android',
  ];
  const dumpstate = (propLines: readonly string[]) =>
    [
      '========================================================',
      '== dumpstate: 2022-03-29 23:14:20',
      '========================================================',
      '------ SYSTEM PROPERTIES (getprop) ------',
      ...propLines,
      "------ 0.038s was the duration of 'SYSTEM PROPERTIES' ------",
      '------ PROCESSES AND THREADS (ps -A -T -Z -O pri,nice,rtprio,sched,pcy,time) ------',
      ...ps,
      '',
      "------ 0.211s was the duration of 'PROCESSES AND THREADS' ------",
      real,
    ].join('\n');
  it('OS version, patch level and model from the properties section; processes from ps (CMD column)', () => {
    const dir = mkdtempSync(join(temp, 'full-bugreport-'));
    writeFileSync(join(dir, 'dumpstate.txt'), dumpstate(props));
    const result = collectFromPath(dir, options);
    expect(validator.snapshot(result.snapshot)).toEqual([]);
    expect(result.snapshot.device).toMatchObject({
      osVersion: '10',
      securityPatch: '2022-03-01',
      model: 'SM-A405FN',
      manufacturer: 'samsung',
    });
    expect(result.snapshot.processes).toEqual(['init', 'com.instagram.android']);
    // Install times are device-local: converted with persist.sys.timezone (Paris, UTC+2 in June 2020).
    expect(result.snapshot.apps.find((app) => app.id === 'com.instagram.android')?.firstInstallTime).toBe(
      '2020-06-11T22:41:34.000Z',
    );
  });
  it('a malformed property line is named by its line in dumpstate.txt', () => {
    const dir = mkdtempSync(join(temp, 'bad-bugreport-'));
    writeFileSync(
      join(dir, 'dumpstate.txt'),
      dumpstate([...props.slice(0, 2), 'ro.product.model=SM-A405FN']),
    );
    expect(() => collectFromPath(dir, options)).toThrow(
      /dumpstate\.txt: line 7: is not `\[name\]: \[value\]`/,
    );
  });
});
