/**
 * Hostile acquisitions: a crafted backup or zip must not read outside what the user gave, nor
 * allocate what an archive's header claims. Built in a temp dir from MVT's real artifacts.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { locateDatasets } from '../profiles/datasets.ts';
import { collectFromPath } from './collect-path.ts';
import { MAX_ZIP_ENTRY_BYTES, MAX_ZIP_TOTAL_BYTES, openFolder, openZip } from './source-files.ts';

const ARTIFACTS = join(locateDatasets(), 'mvt-test-artifacts');
const options = { now: '2026-12-08T00:00:00.000Z', agentVersion: '0.1.0' };
const temp = mkdtempSync(join(tmpdir(), 'riskgate-hostile-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const PROFILES_DOMAIN = 'SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles';
/** A plist outside the backup that a traversal would read and report. */
const SECRET_PLIST = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>PayloadIdentifier</key><string>analyst-secret-value</string></dict></plist>`;

/** A copy of the real backup under temp/<name>/backup whose Manifest.db lists a profile at `fileID`. */
function craftedBackup(name: string, fileID: string): string {
  const root = join(temp, name);
  const backup = join(root, 'backup');
  mkdirSync(root, { recursive: true });
  cpSync(join(ARTIFACTS, 'ios_backup'), backup, { recursive: true });
  // `${fileID.slice(0, 2)}/${fileID}` with fileID `../outside.plist` is `../../outside.plist`: temp/.
  writeFileSync(join(temp, 'outside.plist'), SECRET_PLIST);
  const db = new Database(join(backup, 'Manifest.db'));
  db.prepare('INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, 1, NULL)').run(
    fileID,
    PROFILES_DOMAIN,
    'Library/ConfigurationProfiles/profile-evil.stub',
  );
  db.close();
  return backup;
}

describe('iOS backup: Manifest.db fileID', () => {
  it('a fileID that climbs out of the backup is refused, naming Manifest.db and the row', () => {
    const backup = craftedBackup('traversal', '../outside.plist');
    let error: unknown;
    let result: ReturnType<typeof collectFromPath> | undefined;
    try {
      result = collectFromPath(backup, options);
    } catch (caught) {
      error = caught;
    }
    expect(JSON.stringify(result?.snapshot ?? {})).not.toContain('analyst-secret-value');
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('Manifest.db');
    expect((error as Error).message).toContain('../outside.plist');
    expect((error as Error).message).toContain('profile-evil.stub');
  });
  it('an uppercase or short fileID is refused too (only 40 lowercase hex digits)', () => {
    const backup = craftedBackup('upper', 'AB'.repeat(20));
    expect(() => collectFromPath(backup, options)).toThrow(/Manifest\.db.*fileID/);
  });
});

describe('openFolder().read', () => {
  const root = join(temp, 'folder');
  const dir = join(root, 'acq');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'a.txt'), 'inside');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  symlinkSync(join(root, 'secret.txt'), join(dir, 'link.txt'));
  const files = openFolder(dir);
  it('reads a walked file', () => {
    expect(files.names).toEqual(['sub/a.txt']);
    expect(files.read('sub/a.txt')?.toString()).toBe('inside');
  });
  it('refuses a name it did not walk: traversal, absolute, symlink out', () => {
    expect(files.read('../secret.txt')).toBeUndefined();
    expect(files.read('sub/../../secret.txt')).toBeUndefined();
    expect(files.read(join(root, 'secret.txt'))).toBeUndefined();
    expect(files.read('link.txt')).toBeUndefined();
  });
  it('a walked file swapped for a symlink out of the folder afterwards is refused (realpath)', () => {
    writeFileSync(join(dir, 'later.txt'), 'inside');
    const walked = openFolder(dir);
    rmSync(join(dir, 'later.txt'));
    symlinkSync(join(root, 'secret.txt'), join(dir, 'later.txt'));
    expect(walked.read('later.txt')).toBeUndefined();
  });
});

/** The central-directory entry of `name` in a zip built by fflate: its declared sizes and CRC. */
function centralEntry(zip: Buffer, name: string): number {
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = zip.indexOf(signature); at >= 0; at = zip.indexOf(signature, at + 4)) {
    const length = zip.readUInt16LE(at + 28);
    if (zip.subarray(at + 46, at + 46 + length).toString() === name) return at;
  }
  throw new Error(`no central entry for ${name}`);
}
/** Rewrites the declared uncompressed size of `name` (central directory and local header). */
function declareSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  const central = centralEntry(out, name);
  out.writeUInt32LE(size, central + 24);
  const local = out.readUInt32LE(central + 42);
  out.writeUInt32LE(size, local + 22);
  return out;
}

describe('zip archives: declared sizes are capped and checked', () => {
  const text = Buffer.from('[ro.build.version.release]: [10]\n'.repeat(2000));
  const base = Buffer.from(zipSync({ 'getprop.txt': text, 'ps.txt': Buffer.from('USER PID NAME\n') }));
  const write = (name: string, bytes: Buffer) => {
    const path = join(temp, name);
    writeFileSync(path, bytes);
    return path;
  };
  it('caps are what docs/collectors.md says', () => {
    expect(MAX_ZIP_ENTRY_BYTES).toBe(128 * 1024 * 1024);
    expect(MAX_ZIP_TOTAL_BYTES).toBe(1024 * 1024 * 1024);
  });
  it('an entry declaring more than the per-entry cap is refused by name, nothing allocated', () => {
    const zip = write('huge-entry.zip', declareSize(base, 'getprop.txt', MAX_ZIP_ENTRY_BYTES + 1));
    const before = process.memoryUsage().arrayBuffers;
    expect(() => openZip(zip)).toThrow(/getprop\.txt.*declares 134217729 bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });
  it('entries whose declared sizes add up past the total cap are refused, naming the entry', () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i < 9; i += 1) entries[`part${i}.txt`] = Buffer.from(`x${i}`);
    let zip: Buffer = Buffer.from(zipSync(entries));
    for (let i = 0; i < 9; i += 1) zip = declareSize(zip, `part${i}.txt`, MAX_ZIP_ENTRY_BYTES);
    const path = write('huge-total.zip', zip);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => openZip(path)).toThrow(/part8\.txt.*1 GiB/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });
  it('an entry that inflates to more than it declares is an error naming it', () => {
    const zip = write('liar-small.zip', declareSize(base, 'getprop.txt', 100));
    expect(() => openZip(zip)).toThrow(/getprop\.txt.*declares 100 bytes/);
  });
  it('an entry that inflates to less than it declares is an error naming it', () => {
    const zip = write('liar-big.zip', declareSize(base, 'getprop.txt', text.length + 10));
    expect(() => openZip(zip)).toThrow(/getprop\.txt.*declares/);
  });
  it('an honest zip still reads', () => {
    const files = openZip(write('honest.zip', base));
    expect(files.read('getprop.txt')?.equals(text)).toBe(true);
  });
});
