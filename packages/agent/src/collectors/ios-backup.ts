import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, IosProfile, Snapshot } from '@riskgate/engine';
import Database from 'better-sqlite3';
import { type PlistValue, parse, parseBinary } from 'plist';
import { CollectorError } from './collector-error.ts';
import { createCoverage } from './coverage.ts';
import type { SourceFiles } from './source-files.ts';
import type { CollectedSnapshot, CollectOptions } from './types.ts';

type Dict = { [key: string]: PlistValue };
const isDict = (value: PlistValue | undefined): value is Dict =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Uint8Array) &&
  !(value instanceof Date);

/** Parses an XML or binary plist; a truncated or malformed one names the file (and line, for XML). */
export function readPlist(file: string, bytes: Buffer): Dict {
  let value: PlistValue;
  try {
    value =
      bytes.subarray(0, 8).toString('latin1') === 'bplist00'
        ? parseBinary(bytes)
        : parse(bytes.toString('utf8'));
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    const xml = bytes.subarray(0, 8).toString('latin1') !== 'bplist00';
    const line = /\[line:(\d+)/.exec((error as Error).message)?.[1];
    if (xml && line === undefined && /unclosed/.test(message))
      throw new CollectorError(
        file,
        `line ${bytes.toString('utf8').split('\n').length}`,
        `not a readable plist: the file ends before its XML closes (${message.trim()}): truncated?`,
      );
    throw new CollectorError(
      file,
      line === undefined ? undefined : `line ${line}`,
      `not a readable plist (${message.trim()})`,
    );
  }
  if (!isDict(value)) throw new CollectorError(file, 'key (root)', 'expected a dictionary');
  return value;
}

/** A string value of a plist key: absent is undefined, another type is an error naming the key. */
function str(file: string, dict: Dict, key: string): string | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new CollectorError(file, `key ${key}`, `expected a string, got ${typeof value}`);
  return value.trim() === '' ? undefined : value;
}

/** The backup is encrypted: said plainly, with what to do. */
export class EncryptedBackupError extends CollectorError {
  constructor(file: string, why: string) {
    super(
      file,
      undefined,
      `${why}: this is an encrypted iOS backup. Riskgate does not decrypt backups; make an unencrypted one (Finder/iTunes: untick "Encrypt local backup") or decrypt it with its password first (e.g. mvt-ios decrypt-backup), then scan the decrypted folder`,
    );
  }
}

const PROFILES_DOMAIN = 'SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles';
/** A Manifest.db fileID: the SHA-1 of domain-relativePath, 40 lowercase hex digits. */
const FILE_ID = /^[0-9a-f]{40}$/;
const APP_ID = /^[A-Za-z0-9_.-]{1,255}$/;

interface ManifestRow {
  fileID: string;
  domain: string;
  relativePath: string;
}

/** Opens Manifest.db read-only (a copy, for a zip or a read-only folder); strict about its tables. */
function readManifestDb(
  file: string,
  bytes: Buffer,
): { appDomains: string[]; profileRows: ManifestRow[]; profileStore: boolean } {
  if (bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\u0000')
    throw new EncryptedBackupError(file, 'Manifest.db is not an SQLite database');
  const dir = mkdtempSync(join(tmpdir(), 'riskgate-manifest-'));
  try {
    const copy = join(dir, 'Manifest.db');
    writeFileSync(copy, bytes);
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    try {
      const query = <T>(sql: string, what: string, ...params: string[]): T[] => {
        try {
          return db.prepare(sql).all(...params) as T[];
        } catch (error) {
          throw new CollectorError(file, what, `cannot read (${(error as Error).message})`);
        }
      };
      const appDomains = query<{ domain: string }>(
        "SELECT DISTINCT domain FROM Files WHERE domain LIKE 'AppDomain-%' ORDER BY domain",
        'table Files',
      ).map((row) => row.domain.slice('AppDomain-'.length));
      const profileRows = query<ManifestRow>(
        "SELECT fileID, domain, relativePath FROM Files WHERE domain = ? AND relativePath LIKE 'Library/ConfigurationProfiles/profile-%' ORDER BY relativePath",
        'table Files',
        PROFILES_DOMAIN,
      );
      const store = query<{ n: number }>(
        'SELECT count(*) AS n FROM Files WHERE domain = ?',
        'table Files',
        PROFILES_DOMAIN,
      );
      return { appDomains, profileRows, profileStore: (store[0]?.n ?? 0) > 0 };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One installed configuration profile (`profile-<hash>.stub`, a plist of the profile's payload). */
function readProfile(file: string, dict: Dict): IosProfile {
  const identifier = str(file, dict, 'PayloadIdentifier');
  if (identifier === undefined)
    throw new CollectorError(file, 'key PayloadIdentifier', 'missing: not a configuration profile');
  const content = dict.PayloadContent;
  const payloadTypes: string[] = [];
  if (Array.isArray(content))
    content.forEach((payload, index) => {
      if (!isDict(payload))
        throw new CollectorError(file, `key PayloadContent[${index}]`, 'expected a dictionary');
      const type = str(file, payload, 'PayloadType');
      if (type !== undefined) payloadTypes.push(type.slice(0, 255));
    });
  const uuid = str(file, dict, 'PayloadUUID');
  const displayName = str(file, dict, 'PayloadDisplayName');
  const organization = str(file, dict, 'PayloadOrganization');
  const installDate = dict.InstallDate;
  return {
    identifier: identifier.slice(0, 255),
    ...(uuid === undefined ? {} : { uuid: uuid.slice(0, 64) }),
    ...(displayName === undefined ? {} : { displayName: displayName.slice(0, 256) }),
    ...(organization === undefined ? {} : { organization: organization.slice(0, 256) }),
    ...(payloadTypes.length === 0 ? {} : { payloadTypes: payloadTypes.slice(0, 64) }),
    ...(installDate instanceof Date ? { installedAt: installDate.toISOString() } : {}),
  };
}

/**
 * An iTunes/Finder backup folder: `Info.plist` (device, iOS version and build, installed apps),
 * `Manifest.plist` (encryption, passcode, apps with versions), `Manifest.db` (the file index: app
 * containers, installed configuration profiles). Personal content (messages, photos, identifiers
 * such as IMEI, ICCID, phone number, serial) is never read into the snapshot.
 */
export function collectIosBackup(files: SourceFiles, options: CollectOptions): CollectedSnapshot {
  const coverage = createCoverage();
  const manifestPlistBytes = files.read('Manifest.plist');
  const manifestFile = files.display('Manifest.plist');
  const manifest = manifestPlistBytes === undefined ? undefined : readPlist(manifestFile, manifestPlistBytes);
  if (manifest !== undefined && manifest.IsEncrypted === true)
    throw new EncryptedBackupError(manifestFile, 'IsEncrypted is true');
  const infoBytes = files.read('Info.plist');
  const infoFile = files.display('Info.plist');
  const info = infoBytes === undefined ? undefined : readPlist(infoFile, infoBytes);
  const lockdown = manifest !== undefined && isDict(manifest.Lockdown) ? manifest.Lockdown : undefined;
  const dbBytes = files.read('Manifest.db');
  const dbFile = files.display('Manifest.db');
  const db = dbBytes === undefined ? undefined : readManifestDb(dbFile, dbBytes);
  if (info === undefined && manifest === undefined && db === undefined)
    throw new CollectorError(
      files.label,
      undefined,
      'no Info.plist, Manifest.plist or Manifest.db: not an iOS backup',
    );

  const deviceField = (field: string, infoKey: string, lockdownKey: string): string | undefined => {
    const fromInfo = info === undefined ? undefined : str(infoFile, info, infoKey);
    if (fromInfo !== undefined) {
      coverage.fill(field, `${infoFile} [${infoKey}]`);
      return fromInfo;
    }
    const fromLockdown = lockdown === undefined ? undefined : str(manifestFile, lockdown, lockdownKey);
    if (fromLockdown !== undefined) {
      coverage.fill(field, `${manifestFile} [Lockdown.${lockdownKey}]`);
      return fromLockdown;
    }
    coverage.miss(
      field,
      `neither Info.plist [${infoKey}] nor Manifest.plist [Lockdown.${lockdownKey}] is in the backup`,
    );
    return undefined;
  };
  const osVersion = deviceField('device.osVersion', 'Product Version', 'ProductVersion');
  const osBuild = deviceField('device.osBuild', 'Build Version', 'BuildVersion');
  const model = deviceField('device.model', 'Product Type', 'ProductType');

  // Apps: Info.plist's installed list, Manifest.plist's Applications (with versions), else Manifest.db's app containers.
  const versions = new Map<string, string>();
  const ids = new Set<string>();
  const addId = (file: string, key: string, id: PlistValue | undefined) => {
    if (typeof id !== 'string' || !APP_ID.test(id))
      throw new CollectorError(file, `key ${key}`, `expected a bundle id, got ${JSON.stringify(id)}`);
    ids.add(id);
  };
  const sources: string[] = [];
  const installed = info?.['Installed Applications'];
  if (installed !== undefined) {
    if (!Array.isArray(installed))
      throw new CollectorError(infoFile, 'key Installed Applications', 'expected a list');
    installed.forEach((id, index) => {
      addId(infoFile, `Installed Applications[${index}]`, id);
    });
    sources.push(`${infoFile} [Installed Applications]`);
  }
  const applications = manifest?.Applications;
  if (applications !== undefined) {
    if (!isDict(applications))
      throw new CollectorError(manifestFile, 'key Applications', 'expected a dictionary');
    for (const [id, entry] of Object.entries(applications)) {
      addId(manifestFile, `Applications.${id}`, id);
      const version = isDict(entry) ? entry.CFBundleVersion : undefined;
      if (typeof version === 'string' && version !== '') versions.set(id, version);
    }
    sources.push(`${manifestFile} [Applications]`);
  }
  if (ids.size === 0 && db !== undefined) {
    for (const id of db.appDomains) if (!id.startsWith('com.apple.') && APP_ID.test(id)) ids.add(id);
    if (ids.size > 0) sources.push(`${dbFile} (AppDomain-* containers)`);
  }
  if (sources.length > 0) coverage.fill('apps', sources.join(', '));
  else coverage.miss('apps', 'no Installed Applications, Applications or app container in the backup');
  if (versions.size > 0) coverage.fill('apps[].version', `${manifestFile} [Applications.*.CFBundleVersion]`);
  else coverage.miss('apps[].version', 'Manifest.plist with Applications is not in the backup');
  coverage.miss('apps[].fileSha256', 'a backup holds app data, not the IPA: no app file hashes');
  coverage.miss('apps[].installer', 'a backup does not say where an app came from');
  const apps: App[] = [...ids].sort().map((id) => ({
    id,
    ...(versions.has(id) ? { version: (versions.get(id) ?? '').slice(0, 128) } : {}),
  }));

  // Configuration profiles: the profile store's `profile-*.stub` files, where the backup holds them.
  let iosProfiles: IosProfile[] | undefined;
  if (db === undefined) coverage.miss('network.iosProfiles', 'Manifest.db is not in the backup');
  else if (db.profileRows.length === 0) {
    iosProfiles = [];
    coverage.fill(
      'network.iosProfiles',
      `${dbFile} (${db.profileStore ? 'the profile store lists no installed profile' : 'no profile store'})`,
    );
  } else {
    iosProfiles = [];
    const absent: string[] = [];
    for (const row of db.profileRows) {
      // A backup stores each file at `<first 2 hex digits>/<40-hex SHA-1>`: anything else in fileID
      // (`../`, an absolute path) would name a file outside the backup.
      if (typeof row.fileID !== 'string' || !FILE_ID.test(row.fileID))
        throw new CollectorError(
          dbFile,
          `table Files, row ${JSON.stringify(row.relativePath)}`,
          `fileID ${JSON.stringify(row.fileID)} is not 40 lowercase hex digits`,
        );
      const name = `${row.fileID.slice(0, 2)}/${row.fileID}`;
      const bytes = files.read(name);
      if (bytes === undefined) {
        absent.push(row.relativePath);
        continue;
      }
      iosProfiles.push(
        readProfile(
          `${files.display(name)} (${row.relativePath})`,
          readPlist(`${files.display(name)} (${row.relativePath})`, bytes),
        ),
      );
    }
    if (absent.length > 0)
      coverage.miss(
        'network.iosProfiles',
        `listed in Manifest.db but not in the folder: ${absent.join(', ')}`,
      );
    else coverage.fill('network.iosProfiles', `${dbFile} + profile-*.stub files`);
  }

  const passcode = manifest?.WasPasscodeSet;
  if (typeof passcode === 'boolean')
    coverage.fill('integrity.screenLock', `${manifestFile} [WasPasscodeSet]`);
  else coverage.miss('integrity.screenLock', 'Manifest.plist [WasPasscodeSet] is not in the backup');
  coverage.miss('integrity.jailbroken', 'a backup cannot show a jailbreak');
  coverage.miss('network', 'a backup does not record the live network (Wi-Fi, VPN, DNS)');
  coverage.miss('processes', 'a backup holds no process list');
  coverage.fill('device.manufacturer', 'Apple (an iOS backup)');

  const snapshot: Snapshot = {
    schemaVersion: 1,
    collectedAt: options.now,
    device: {
      platform: 'ios',
      osVersion: (osVersion ?? 'unknown').slice(0, 32),
      model: (model ?? 'unknown').slice(0, 128),
      manufacturer: 'Apple',
      agentVersion: options.agentVersion,
      ...(osBuild === undefined ? {} : { osBuild: osBuild.slice(0, 64) }),
    },
    integrity: typeof passcode === 'boolean' ? { screenLock: passcode } : {},
    apps,
    network: { connection: 'unknown', ...(iosProfiles === undefined ? {} : { iosProfiles }) },
  };
  return { source: 'ios-backup', snapshot, coverage: coverage.result(), warnings: [] };
}
