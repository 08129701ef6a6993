/**
 * Hostile acquisitions: a crafted backup or zip must not read outside what the user gave, nor
 * allocate what an archive's header claims. Built in a temp dir from MVT's real artifacts.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { locateDatasets } from '../profiles/datasets.ts';
import { collectFromPath } from './collect-path.ts';
import { openFolder } from './source-files.ts';

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
