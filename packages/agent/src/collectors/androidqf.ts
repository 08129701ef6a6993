import type { App } from '@riskgate/engine';
import {
  readGetprop,
  readPackageDump,
  readPs,
  readSettingsFile,
  settingBoolean,
  splitDumpsys,
} from './android-parts.ts';
import { type AndroidParts, assembleAndroidSnapshot } from './android-snapshot.ts';
import { CollectorError } from './collector-error.ts';
import { parseJsonFile } from './json-file.ts';
import type { SourceFiles } from './source-files.ts';
import type { CollectedSnapshot, CollectOptions } from './types.ts';

const HEX = (length: number) => new RegExp(`^[0-9a-fA-F]{${length}}$`);
const MD5 = HEX(32);
const SHA1 = HEX(40);
const SHA256 = HEX(64);
const APP_ID = /^[A-Za-z0-9_.-]{1,255}$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A hash field of packages.json: a hex digest of the right length, or absent/empty (the APK was not read). */
function digest(file: string, key: string, value: unknown, pattern: RegExp): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !pattern.test(value))
    throw new CollectorError(
      file,
      `key ${key}`,
      `expected a hex digest, got ${JSON.stringify(value).slice(0, 80)}`,
    );
  return value.toLowerCase();
}

/**
 * AndroidQF's `packages.json`: one entry per package with its APK files (MD5/SHA-1/SHA-256 and the
 * signing certificate's digests and subject). The base APK's hashes are the app's. Strict: an entry
 * without a valid `name`, a `files` that is not a list, or a malformed digest names its key.
 */
export function readPackagesJson(file: string, text: string): App[] {
  const value = parseJsonFile(file, text);
  if (!Array.isArray(value)) throw new CollectorError(file, 'key (root)', 'expected a list of packages');
  return value.map((entry, index): App => {
    const at = (key: string) => `[${index}].${key}`;
    if (!isObject(entry)) throw new CollectorError(file, `key [${index}]`, 'expected an object');
    const id = entry.name;
    if (typeof id !== 'string' || !APP_ID.test(id))
      throw new CollectorError(
        file,
        `key ${at('name')}`,
        `expected a package name, got ${JSON.stringify(id)}`,
      );
    const files = entry.files ?? [];
    if (!Array.isArray(files)) throw new CollectorError(file, `key ${at('files')}`, 'expected a list');
    const base =
      files.find((apk) => isObject(apk) && typeof apk.path === 'string' && apk.path.endsWith('/base.apk')) ??
      files[0];
    const baseIndex = files.indexOf(base);
    let hashes: Partial<App> = {};
    if (base !== undefined) {
      if (!isObject(base))
        throw new CollectorError(file, `key ${at(`files[${baseIndex}]`)}`, 'expected an object');
      const key = (name: string) => at(`files[${baseIndex}].${name}`);
      const fileSha256 = digest(file, key('sha256'), base.sha256, SHA256);
      const fileSha1 = digest(file, key('sha1'), base.sha1, SHA1);
      const fileMd5 = digest(file, key('md5'), base.md5, MD5);
      const cert = base.certificate;
      if (cert !== undefined && cert !== null && !isObject(cert))
        throw new CollectorError(file, `key ${key('certificate')}`, 'expected an object or null');
      const certSha256 = isObject(cert)
        ? digest(file, key('certificate.Sha256'), cert.Sha256, SHA256)
        : undefined;
      const certSha1 = isObject(cert) ? digest(file, key('certificate.Sha1'), cert.Sha1, SHA1) : undefined;
      const subject =
        isObject(cert) && typeof cert.Subject === 'string' && cert.Subject !== '' ? cert.Subject : undefined;
      hashes = {
        ...(fileSha256 === undefined ? {} : { fileSha256 }),
        ...(fileSha1 === undefined ? {} : { fileSha1 }),
        ...(fileMd5 === undefined ? {} : { fileMd5 }),
        ...(certSha256 === undefined ? {} : { certSha256 }),
        ...(certSha1 === undefined ? {} : { certSha1 }),
        ...(subject === undefined ? {} : { certSubject: subject.slice(0, 1024) }),
      };
    }
    const installer = entry.installer;
    if (installer !== undefined && installer !== null && typeof installer !== 'string')
      throw new CollectorError(file, `key ${at('installer')}`, 'expected a string');
    if (entry.system !== undefined && typeof entry.system !== 'boolean')
      throw new CollectorError(file, `key ${at('system')}`, 'expected true or false');
    return {
      id,
      installer:
        installer === undefined || installer === null || installer === 'null' || installer === ''
          ? null
          : installer.slice(0, 255),
      system: entry.system === true,
      ...hashes,
    };
  });
}

/** `root_binaries.json`: the list of root binaries AndroidQF found (may be empty, `[]` or `null`). */
export function readRootBinaries(file: string, text: string): string[] {
  if (text.trim() === '') return [];
  const value = parseJsonFile(file, text);
  if (value === null) return [];
  if (!Array.isArray(value)) throw new CollectorError(file, 'key (root)', 'expected a list of paths');
  return value.map((path, index) => {
    if (typeof path !== 'string' || path === '')
      throw new CollectorError(file, `key [${index}]`, 'expected a path');
    return path;
  });
}

const text = (files: SourceFiles, name: string): string | undefined => files.read(name)?.toString('utf8');

/**
 * AndroidQF's `processes.txt` (current versions): a JSON list of processes, each with `pid`,
 * `filename` (the kernel's `(comm)`) and `command_line`. The name is the command line's first word,
 * else `filename` without its parentheses.
 */
export function readProcessesJson(file: string, text: string): string[] {
  const value = parseJsonFile(file, text);
  if (!Array.isArray(value)) throw new CollectorError(file, 'key (root)', 'expected a list of processes');
  const names = new Set<string>();
  value.forEach((entry, index) => {
    if (!isObject(entry) || typeof entry.pid !== 'number')
      throw new CollectorError(file, `key [${index}].pid`, 'expected a process with a numeric pid');
    const commandLine = entry.command_line;
    if (commandLine !== undefined && commandLine !== null && !Array.isArray(commandLine))
      throw new CollectorError(file, `key [${index}].command_line`, 'expected a list or null');
    const first = Array.isArray(commandLine) && typeof commandLine[0] === 'string' ? commandLine[0] : '';
    const filename = typeof entry.filename === 'string' ? entry.filename.replace(/^\((.*)\)$/, '$1') : '';
    const name = first !== '' ? first : filename;
    if (name !== '' && name.length <= 256) names.add(name);
  });
  return [...names].slice(0, 2000);
}

/**
 * An AndroidQF acquisition (folder or zip): `packages.json`, `getprop.txt`, `dumpsys.txt`,
 * `root_binaries.json`, `settings_*.txt`, `processes.txt` (JSON) or `ps.txt`, `selinux.txt`. Each file that is present must parse.
 */
export function collectAndroidQf(files: SourceFiles, options: CollectOptions): CollectedSnapshot {
  const parts: {
    -readonly [K in keyof AndroidParts]: AndroidParts[K];
  } = {};
  const getprop = text(files, 'getprop.txt');
  if (getprop !== undefined)
    parts.props = {
      file: files.display('getprop.txt'),
      values: readGetprop(files.display('getprop.txt'), getprop),
    };
  const timeZone = parts.props?.values.get('persist.sys.timezone');

  const dumpsys = text(files, 'dumpsys.txt');
  const packageSection =
    dumpsys === undefined ? undefined : splitDumpsys(dumpsys).find((s) => s.service === 'package');
  if (packageSection?.endedByEof === true && dumpsys !== undefined)
    throw new CollectorError(
      files.display('dumpsys.txt'),
      `line ${dumpsys.split('\n').length}`,
      'the file ends inside the `dumpsys package` section: truncated?',
    );
  const dump =
    packageSection === undefined
      ? undefined
      : readPackageDump(
          files.display('dumpsys.txt'),
          packageSection.text,
          packageSection.startLine,
          timeZone,
        );
  if (dump?.sdkVersion !== undefined)
    parts.sdkVersion = { file: files.display('dumpsys.txt'), value: dump.sdkVersion };

  const packages = text(files, 'packages.json');
  if (packages !== undefined) {
    const apps = readPackagesJson(files.display('packages.json'), packages);
    // dumpsys adds what packages.json lacks: version, install times, permissions.
    const fromDump = new Map((dump?.apps ?? []).map((app) => [app.id, app]));
    const merged = apps.map((app) => {
      const extra = fromDump.get(app.id);
      if (extra === undefined) return app;
      const { version, permissions, firstInstallTime, lastUpdateTime } = extra;
      return {
        ...app,
        ...(version === undefined ? {} : { version }),
        ...(permissions === undefined ? {} : { permissions }),
        ...(firstInstallTime === undefined ? {} : { firstInstallTime }),
        ...(lastUpdateTime === undefined ? {} : { lastUpdateTime }),
      };
    });
    parts.apps = { file: files.display('packages.json'), values: merged, hashes: true };
  } else if (dump !== undefined && dump.apps.length > 0)
    parts.apps = { file: files.display('dumpsys.txt'), values: dump.apps, hashes: false };

  const root = text(files, 'root_binaries.json');
  if (root !== undefined)
    parts.rootBinaries = {
      file: files.display('root_binaries.json'),
      values: readRootBinaries(files.display('root_binaries.json'), root),
    };

  const settingsNames = files.names.filter((name) => /^settings_[a-z]+\.txt$/.test(name));
  if (settingsNames.length > 0) {
    const merged = new Map<string, { file: string; value: string; line: number }>();
    for (const name of settingsNames) {
      for (const [key, entry] of readSettingsFile(files.display(name), text(files, name) ?? ''))
        merged.set(key, { file: files.display(name), ...entry });
    }
    const bool = (key: string): boolean | undefined => {
      const entry = merged.get(key);
      return entry === undefined ? undefined : settingBoolean(entry.file, new Map([[key, entry]]), key);
    };
    const developerOptions = bool('development_settings_enabled');
    const usbDebugging = bool('adb_enabled');
    const unknownSources = bool('install_non_market_apps');
    const appVerification = bool('package_verifier_enable');
    parts.settings = {
      file: settingsNames.map((name) => files.display(name)).join(', '),
      ...(developerOptions === undefined ? {} : { developerOptions }),
      ...(usbDebugging === undefined ? {} : { usbDebugging }),
      ...(unknownSources === undefined ? {} : { unknownSources }),
      ...(appVerification === undefined ? {} : { appVerification }),
    };
  }
  const selinux = text(files, 'selinux.txt');
  if (selinux !== undefined) {
    const value = selinux.trim().toLowerCase();
    if (value !== 'enforcing' && value !== 'permissive' && value !== 'disabled')
      throw new CollectorError(
        files.display('selinux.txt'),
        'line 1',
        `expected Enforcing, Permissive or Disabled (getenforce), got ${JSON.stringify(selinux.trim().slice(0, 40))}`,
      );
    parts.selinux = { file: files.display('selinux.txt'), value };
  }
  const processes = text(files, 'processes.txt');
  if (processes !== undefined)
    parts.processes = {
      file: files.display('processes.txt'),
      values: processes.trimStart().startsWith('[')
        ? readProcessesJson(files.display('processes.txt'), processes)
        : readPs(files.display('processes.txt'), processes),
    };
  const ps = parts.processes === undefined ? text(files, 'ps.txt') : undefined;
  if (ps !== undefined)
    parts.processes = { file: files.display('ps.txt'), values: readPs(files.display('ps.txt'), ps) };
  if (getprop === undefined && packages === undefined && dumpsys === undefined)
    throw new CollectorError(
      files.label,
      undefined,
      'no getprop.txt, packages.json or dumpsys.txt: not an AndroidQF acquisition',
    );
  return assembleAndroidSnapshot('androidqf', parts, options);
}
