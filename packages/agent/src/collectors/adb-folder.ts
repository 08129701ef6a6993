import { readGetprop, readPackageDump, readPs, readSettingsFile, settingBoolean } from './android-parts.ts';
import { type AndroidParts, assembleAndroidSnapshot } from './android-snapshot.ts';
import { CollectorError } from './collector-error.ts';
import type { SourceFiles } from './source-files.ts';
import type { CollectedSnapshot, CollectOptions } from './types.ts';

/** File names a folder of single `adb shell` outputs may use for each command. */
const NAMES = {
  getprop: ['getprop.txt'],
  packages: ['dumpsys_packages.txt', 'dumpsys_package.txt', 'dumpsys-package.txt', 'dumpsys_packages'],
  ps: ['ps.txt', 'ps_A.txt'],
  settings: ['settings_global.txt', 'settings_secure.txt', 'settings_system.txt'],
} as const;

/** Does this folder hold single adb outputs we read? */
export function looksLikeAdbFolder(files: SourceFiles): boolean {
  return [...NAMES.getprop, ...NAMES.packages].some((name) => files.names.includes(name));
}

const first = (files: SourceFiles, names: readonly string[]): string | undefined =>
  names.find((name) => files.read(name) !== undefined);

/**
 * A folder of single `adb shell` outputs, as MVT's `check-adb` or a technician saves them:
 * `getprop.txt`, `dumpsys_packages.txt` (`dumpsys package`), `ps.txt`, `settings_<ns>.txt`.
 */
export function collectAdbFolder(files: SourceFiles, options: CollectOptions): CollectedSnapshot {
  const parts: { -readonly [K in keyof AndroidParts]: AndroidParts[K] } = {};
  const getprop = first(files, NAMES.getprop);
  if (getprop !== undefined)
    parts.props = {
      file: files.display(getprop),
      values: readGetprop(files.display(getprop), files.read(getprop)?.toString('utf8') ?? ''),
    };
  const timeZone = parts.props?.values.get('persist.sys.timezone');
  const packages = first(files, NAMES.packages);
  if (packages !== undefined) {
    const file = files.display(packages);
    const dump = readPackageDump(file, files.read(packages)?.toString('utf8') ?? '', 0, timeZone);
    if (dump.apps.length === 0)
      throw new CollectorError(
        file,
        undefined,
        'no `Package [id]` block: not `dumpsys package` output, or truncated',
      );
    parts.apps = { file, values: dump.apps, hashes: false };
    if (dump.sdkVersion !== undefined) parts.sdkVersion = { file, value: dump.sdkVersion };
  }
  const ps = first(files, NAMES.ps);
  if (ps !== undefined)
    parts.processes = {
      file: files.display(ps),
      values: readPs(files.display(ps), files.read(ps)?.toString('utf8') ?? ''),
    };
  const settingsFiles = NAMES.settings.filter((name) => files.read(name) !== undefined);
  if (settingsFiles.length > 0) {
    const values: Record<string, boolean> = {};
    const read = (key: string, field: string) => {
      for (const name of settingsFiles) {
        const file = files.display(name);
        const value = settingBoolean(
          file,
          readSettingsFile(file, files.read(name)?.toString('utf8') ?? ''),
          key,
        );
        if (value !== undefined) values[field] = value;
      }
    };
    read('development_settings_enabled', 'developerOptions');
    read('adb_enabled', 'usbDebugging');
    read('install_non_market_apps', 'unknownSources');
    read('package_verifier_enable', 'appVerification');
    parts.settings = { file: settingsFiles.map((name) => files.display(name)).join(', '), ...values };
  }
  if (getprop === undefined && packages === undefined)
    throw new CollectorError(
      files.label,
      undefined,
      'no getprop.txt or dumpsys_packages.txt: nothing to read',
    );
  return assembleAndroidSnapshot('adb-folder', parts, options);
}
