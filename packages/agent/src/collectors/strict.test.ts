/**
 * Strict parsers: a present file that is truncated or malformed is an error naming the file and the
 * line or key; an absent file only leaves its fields missing (reported). Copies of the real
 * artifacts are made in a temp folder and damaged there.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'plist';
import { afterAll, describe, expect, it } from 'vitest';
import { createSchemaValidator } from '../../test-support/schema-validator.ts';
import { locateDatasets } from '../profiles/datasets.ts';
import { readPackageDump } from './android-parts.ts';
import { collectFromPath } from './collect-path.ts';
import { CollectorError } from './collector-error.ts';

const ARTIFACTS = join(locateDatasets(), 'mvt-test-artifacts');
const options = { now: '2026-12-08T00:00:00.000Z', agentVersion: '0.1.0' };
const temp = mkdtempSync(join(tmpdir(), 'riskgate-strict-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
let copies = 0;

/** A writable copy of an artifact folder, with some files replaced (undefined: removed). */
function copyWith(folder: string, changes: Record<string, string | Buffer | undefined>): string {
  const target = join(temp, `copy-${copies++}`);
  const copy = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      const path = join(from, name);
      if (statSync(path).isDirectory()) copy(path, join(to, name));
      else writeFileSync(join(to, name), readFileSync(path));
    }
  };
  copy(join(ARTIFACTS, folder), target);
  for (const [name, content] of Object.entries(changes)) {
    if (content === undefined) rmSync(join(target, name));
    else writeFileSync(join(target, name), content);
  }
  return target;
}
const original = (path: string) => readFileSync(join(ARTIFACTS, path), 'utf8');
const half = (path: string) => original(path).slice(0, Math.floor(original(path).length / 2));

function errorOf(path: string): CollectorError {
  try {
    collectFromPath(path, options);
  } catch (error) {
    if (error instanceof CollectorError) return error;
    throw error;
  }
  throw new Error(`no error for ${path}`);
}

describe('AndroidQF: malformed files name file and line/key', () => {
  const packages = original('androidqf/packages.json');
  it.each([
    [
      'packages.json cut in half',
      { 'packages.json': half('androidqf/packages.json') },
      /packages\.json: line \d+: the file ends before the JSON does/,
    ],
    [
      'a SHA-1 that is not hex',
      { 'packages.json': packages.replace('9185a83dae0fc8a0ba79f89f3c84fe8a038f93af', 'not-a-hash') },
      /packages\.json: key \[1\]\.files\[0\]\.sha1: expected a hex digest/,
    ],
    [
      'a package without a name',
      { 'packages.json': packages.replace('"name": "com.whatsapp"', '"name": 42') },
      /packages\.json: key \[0\]\.name: expected a package name/,
    ],
    [
      'packages.json not a list',
      { 'packages.json': '{"name": "x"}' },
      /packages\.json: key \(root\): expected a list/,
    ],
    [
      'getprop value not closed',
      { 'getprop.txt': '[ro.product.model]: [Pixel\n' },
      /getprop\.txt: line 1: value of ro\.product\.model \(line 1\) is not closed/,
    ],
    [
      'getprop line in another format',
      { 'getprop.txt': `${original('androidqf/getprop.txt')}garbage here\n` },
      /getprop\.txt: line 11: is not `\[name\]: \[value\]`: garbage here/,
    ],
    [
      'root_binaries.json truncated',
      { 'root_binaries.json': '[\n "/system/bin/su",\n' },
      /root_binaries\.json: line 3: the file ends before the JSON does/,
    ],
    [
      'settings line without =',
      { 'settings_random.txt': 'broken line\nadb_enabled=1\n' },
      /settings_random\.txt: line 1: not `key=value`/,
    ],
    [
      'settings boolean with another value',
      { 'settings_random.txt': 'adb_enabled=yes\n' },
      /settings_random\.txt: line 1 \(key adb_enabled\): expected 0 or 1/,
    ],
    [
      'a boolean setting whose value goes on to a second line',
      { 'settings_random.txt': 'package_verifier_enable=1\nextra\n' },
      /settings_random\.txt: line 1 \(key package_verifier_enable\): expected 0 or 1, got "1\\nextra"/,
    ],
    [
      'ps.txt cut mid-row',
      { 'ps.txt': original('androidqf/ps.txt').split('\n').slice(0, 4).join('\n').concat('\nroot   55  2') },
      /ps\.txt: line 5: 3 columns, the header has 9: truncated\?/,
    ],
    ['ps.txt without header', { 'ps.txt': 'root 1 0 init\n' }, /ps\.txt: line 1: expected a `ps` header/],
    [
      'selinux.txt with another word',
      { 'selinux.txt': 'Maybe\n' },
      /selinux\.txt: line 1: expected Enforcing, Permissive or Disabled/,
    ],
  ])('%s', (_label, changes, message) => {
    const error = errorOf(copyWith('androidqf', changes));
    expect(error.message).toMatch(message);
  });

  it('dumpsys.txt with a package block cut short names its line', () => {
    const text = original('androidqf/dumpsys.txt');
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.startsWith('  Package [com.sec.android.app.DataCreate]'));
    const cut = [
      ...lines.slice(0, at + 1),
      '    pkg=Package{7d4f7d4 com.sec.android.app.DataCreate}',
      '',
      ...lines.slice(lines.findIndex((l, i) => i > at && l.startsWith('--------- '))),
    ];
    const error = errorOf(copyWith('androidqf', { 'dumpsys.txt': cut.join('\n') }));
    expect(error.message).toMatch(new RegExp(`dumpsys\\.txt: line ${at + 1}: .*no codePath/userId`));
  });

  it('a truncated zip names the zip', () => {
    const zip = join(temp, 'truncated.zip');
    const bytes = readFileSync(join(ARTIFACTS, 'androidqf.zip'));
    writeFileSync(zip, bytes.subarray(0, 200));
    expect(errorOf(zip).message).toMatch(/truncated\.zip: not a readable zip archive/);
  });

  it('processes.txt as current AndroidQF writes it (JSON) gives the process names; a bad entry names its key', () => {
    const json = JSON.stringify([
      { pid: 1, filename: '(init)', command_line: ['/system/bin/init', 'second_stage'] },
      { pid: 2, filename: '(kthreadd)', command_line: null },
      { pid: 20430, filename: '(com.whatsapp)', command_line: ['com.whatsapp'] },
    ]);
    const result = collectFromPath(
      copyWith('androidqf', { 'ps.txt': undefined, 'processes.txt': json }),
      options,
    );
    expect(result.snapshot.processes).toEqual(['/system/bin/init', 'kthreadd', 'com.whatsapp']);
    const bad = copyWith('androidqf', { 'processes.txt': JSON.stringify([{ pid: 1 }, { pid: 'x' }]) });
    expect(errorOf(bad).message).toMatch(
      /processes\.txt: key \[1\]\.pid: expected a process with a numeric pid/,
    );
  });

  it('an empty root_binaries.json means none found; an age-encrypted acquisition says so', () => {
    const result = collectFromPath(copyWith('androidqf', { 'root_binaries.json': '' }), options);
    expect(result.snapshot.integrity.rooted).toBeUndefined();
    const age = join(temp, 'acquisition.zip.age');
    writeFileSync(age, 'age-encryption.org/v1\n');
    expect(errorOf(age).message).toMatch(/acquisition\.zip\.age: encrypted with age/);
  });

  it('selinux.txt (getenforce) fills integrity.selinux', () => {
    const result = collectFromPath(copyWith('androidqf', { 'selinux.txt': 'Permissive\n' }), options);
    expect(result.snapshot.integrity.selinux).toBe('permissive');
  });

  it('an absent file is not an error: its fields are reported missing', () => {
    const result = collectFromPath(
      copyWith('androidqf', { 'ps.txt': undefined, 'root_binaries.json': undefined }),
      options,
    );
    expect(createSchemaValidator().snapshot(result.snapshot)).toEqual([]);
    expect(result.snapshot.processes).toBeUndefined();
    expect(result.coverage.missing.map((m) => m.field)).toEqual(
      expect.arrayContaining(['processes', 'integrity.rooted']),
    );
  });
});

describe('bugreport and adb outputs: malformed files name file and line', () => {
  it('dumpstate.txt cut inside a package block', () => {
    const lines = original('android_data/bugreport/dumpstate.txt').split('\n');
    const at = lines.findIndex((line) => line.startsWith('  Package [com.instagram.android]'));
    const cut = copyWith('android_data/bugreport', { 'dumpstate.txt': lines.slice(0, at + 3).join('\n') });
    expect(errorOf(cut).message).toMatch(
      new RegExp(`dumpstate\\.txt: line ${at + 3}: the file ends inside the \`dumpsys package\` section`),
    );
    // The block loses its lines but the file goes on: the block itself is named.
    const end = lines.findIndex((line, index) => index > at && line.startsWith('--------- '));
    const damaged = [...lines.slice(0, at + 3), ...lines.slice(end)].join('\n');
    const dir = copyWith('android_data/bugreport', { 'dumpstate.txt': damaged });
    expect(errorOf(dir).message).toMatch(
      new RegExp(`dumpstate\\.txt: line ${at + 1}: the block of com\\.instagram\\.android has no codePath`),
    );
  });
  it('a text file that is not a bugreport', () => {
    const dir = copyWith('android_data/bugreport', { 'dumpstate.txt': 'hello\n' });
    expect(errorOf(join(dir, 'dumpstate.txt')).message).toMatch(
      /dumpstate\.txt: line 1: neither `== dumpstate` nor `DUMP OF SERVICE`/,
    );
  });
  it('main_entry.txt naming a file that is not there', () => {
    const dir = copyWith('android_data/bugreport', { 'main_entry.txt': 'bugreport-x.txt\n' });
    expect(errorOf(dir).message).toMatch(/main_entry\.txt: line 1: names bugreport-x\.txt/);
  });
  it('getprop.txt of an adb folder with a truncated value', () => {
    const dir = copyWith('android_data', {
      'getprop.txt': `${original('android_data/getprop.txt')}[ro.build.version.release]: [1`,
    });
    expect(errorOf(dir).message).toMatch(
      /android_data|getprop\.txt: line \d+: value of ro\.build\.version\.release/,
    );
  });
  it('dumpsys_packages.txt with no package block', () => {
    const dir = copyWith('android_data', {
      'dumpsys_packages.txt': original('android_data/dumpsys_packages.txt').split('Packages:')[0] ?? '',
    });
    expect(errorOf(dir).message).toMatch(/dumpsys_packages\.txt: no `Package \[id\]` block/);
  });
});

describe('iOS backup: malformed files name file and key; encryption is said plainly', () => {
  const info = readFileSync(join(ARTIFACTS, 'ios_backup/Info.plist'));
  it('Info.plist cut in half', () => {
    const dir = copyWith('ios_backup', { 'Info.plist': info.subarray(0, Math.floor(info.length / 2)) });
    expect(errorOf(dir).message).toMatch(/Info\.plist: not a readable plist/);
  });
  it('an XML Info.plist whose Installed Applications is not a list', () => {
    const xml = build({
      'Product Version': '17.5',
      'Product Type': 'iPhone15,2',
      'Installed Applications': 'com.example',
    });
    const dir = copyWith('ios_backup', { 'Info.plist': xml });
    expect(errorOf(dir).message).toMatch(/Info\.plist: key Installed Applications: expected a list/);
  });
  it('an XML Info.plist cut short names the line', () => {
    const xml = build({ 'Product Version': '17.5', 'Installed Applications': ['com.example.a'] });
    const dir = copyWith('ios_backup', { 'Info.plist': xml.slice(0, xml.indexOf('<array>')) });
    expect(errorOf(dir).message).toMatch(/Info\.plist: line \d+: not a readable plist/);
  });
  it('Manifest.plist gives app versions, passcode and (without Info.plist) the device', () => {
    const manifest = build({
      IsEncrypted: false,
      WasPasscodeSet: true,
      Lockdown: { ProductVersion: '17.5.1', BuildVersion: '21F90', ProductType: 'iPhone15,2' },
      Applications: { 'net.whatsapp.WhatsApp': { CFBundleVersion: '24.10.1' }, 'com.google.Gmail': {} },
    });
    const dir = copyWith('ios_backup', { 'Manifest.plist': manifest, 'Info.plist': undefined });
    const result = collectFromPath(dir, options);
    expect(createSchemaValidator().snapshot(result.snapshot)).toEqual([]);
    expect(result.snapshot.device).toMatchObject({
      osVersion: '17.5.1',
      osBuild: '21F90',
      model: 'iPhone15,2',
    });
    expect(result.snapshot.integrity.screenLock).toBe(true);
    expect(result.snapshot.apps).toEqual([
      { id: 'com.google.Gmail' },
      { id: 'net.whatsapp.WhatsApp', version: '24.10.1' },
    ]);
  });
  it('Manifest.db truncated', () => {
    const db = readFileSync(join(ARTIFACTS, 'ios_backup/Manifest.db'));
    const dir = copyWith('ios_backup', { 'Manifest.db': db.subarray(0, 8192) });
    expect(errorOf(dir).message).toMatch(/Manifest\.db: table Files: cannot read/);
  });
  it('Manifest.plist with IsEncrypted says the backup is encrypted', () => {
    const dir = copyWith('ios_backup', { 'Manifest.plist': build({ IsEncrypted: true, Version: '10.0' }) });
    expect(errorOf(dir).message).toMatch(
      /Manifest\.plist: IsEncrypted is true: this is an encrypted iOS backup/,
    );
  });
  it('an encrypted Manifest.db (not SQLite) says the backup is encrypted', () => {
    const dir = copyWith('ios_backup', { 'Manifest.db': Buffer.alloc(4096, 7) });
    expect(errorOf(dir).message).toMatch(
      /Manifest\.db: Manifest\.db is not an SQLite database: this is an encrypted iOS backup/,
    );
  });

  it('an installed configuration profile in the backup is read (and a malformed one names its key)', () => {
    const fileId = 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12';
    const dir = copyWith('ios_backup', {});
    const db = new Database(join(dir, 'Manifest.db'));
    db.prepare('INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, 1, NULL)').run(
      fileId,
      'SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles',
      'Library/ConfigurationProfiles/profile-0a1b2c.stub',
    );
    db.close();
    mkdirSync(join(dir, 'ab'));
    const profile = {
      PayloadIdentifier: 'com.example.proxy',
      PayloadUUID: '5F1E3C2A-0000-4000-8000-000000000001',
      PayloadDisplayName: 'Example proxy',
      PayloadOrganization: 'Example Ltd',
      PayloadContent: [
        { PayloadType: 'com.apple.proxy.http.global' },
        { PayloadType: 'com.apple.security.root' },
      ],
      InstallDate: new Date('2026-11-01T10:00:00Z'),
    };
    writeFileSync(join(dir, 'ab', fileId), build(profile));
    const result = collectFromPath(dir, options);
    expect(createSchemaValidator().snapshot(result.snapshot)).toEqual([]);
    expect(result.snapshot.network.iosProfiles).toEqual([
      {
        identifier: 'com.example.proxy',
        uuid: '5F1E3C2A-0000-4000-8000-000000000001',
        displayName: 'Example proxy',
        organization: 'Example Ltd',
        payloadTypes: ['com.apple.proxy.http.global', 'com.apple.security.root'],
        installedAt: '2026-11-01T10:00:00.000Z',
      },
    ]);
    writeFileSync(
      join(dir, 'ab', fileId),
      build({ ...profile, PayloadIdentifier: undefined as unknown as string }),
    );
    expect(errorOf(dir).message).toMatch(/profile-0a1b2c\.stub\): key PayloadIdentifier: missing/);
  });
});

describe('dumpsys package blocks across Android versions', () => {
  const block = (idLine: string) =>
    [
      'Packages:',
      '  Package [com.example.app] (f6a9a2b):',
      `    ${idLine}`,
      '    pkg=Package{1 com.example.app}',
      '    codePath=/data/app/~~x==/com.example.app-y==',
      '    versionName=1.2',
      '    flags=[ HAS_CODE ]',
      '',
    ].join('\n');
  it.each([
    ['userId= (Android ≤ 11)', 'userId=10143'],
    ['appId= (Android 12+)', 'appId=10143'],
  ])('%s is read', (_label, idLine) => {
    expect(readPackageDump('dumpsys_packages.txt', block(idLine)).apps).toEqual([
      { id: 'com.example.app', system: false, version: '1.2' },
    ]);
  });
  it('neither is a truncated block', () => {
    expect(() => readPackageDump('dumpsys_packages.txt', block('pkgFlags=[ HAS_CODE ]'))).toThrow(
      /dumpsys_packages\.txt: line 2: the block of com\.example\.app has no userId or appId: truncated\?/,
    );
  });
});

describe('zip archives', () => {
  it('lists every entry but inflates only what a collector reads (an APK inside is never inflated)', async () => {
    const { zipSync } = await import('fflate');
    const { openZip } = await import('./source-files.ts');
    const zip = join(temp, 'with-apk.zip');
    writeFileSync(
      zip,
      zipSync({
        'uuid/getprop.txt': Buffer.from('[ro.build.version.release]: [14]\n'),
        'uuid/apks/com.example.apk': Buffer.alloc(1024, 1),
      }),
    );
    const files = openZip(zip);
    expect(files.names).toEqual(['apks/com.example.apk', 'getprop.txt']);
    expect(files.read('getprop.txt')?.toString('utf8')).toContain('[14]');
    expect(files.read('apks/com.example.apk')).toBeUndefined();
    expect(collectFromPath(zip, options).snapshot.device.osVersion).toBe('14');
  });
});
