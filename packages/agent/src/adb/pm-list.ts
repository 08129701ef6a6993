import { AdbParseError, requireOutput } from './adb-parse-error.ts';

/** One line of `pm list packages -f -i -U`. */
export interface ListedPackage {
  readonly id: string;
  /** Path of the base APK (`/data/app/~~x==/com.foo-y==/base.apk`). */
  readonly apkPath: string;
  /** Installer package, or null when the system reports none (`installer=null`). */
  readonly installer: string | null;
  readonly uid?: number;
  /** Installed on a system partition rather than under `/data`. */
  readonly system: boolean;
}

const PACKAGE_ID = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `pm list packages -f -i -U` output, e.g.
 * `package:/data/app/~~x==/com.foo-y==/base.apk=com.foo  installer=com.android.vending uid:10234`.
 * The path may itself contain `=`, so the package id is what follows the last `=` of the first field.
 */
export function parsePmList(text: string): readonly ListedPackage[] {
  requireOutput('pm list packages', text);
  const packages: ListedPackage[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const fail = (why: string): never => {
      throw new AdbParseError('pm list packages -f -i -U', `line ${index + 1} ${why}: ${line.slice(0, 120)}`);
    };
    if (!line.startsWith('package:')) fail('does not start with `package:`');
    const [first = '', ...fields] = line.slice('package:'.length).split(/\s+/);
    const eq = first.lastIndexOf('=');
    if (eq <= 0) fail('has no `<path>=<package>`');
    const apkPath = first.slice(0, eq);
    const id = first.slice(eq + 1);
    if (!PACKAGE_ID.test(id)) fail('has an invalid package id');
    let installer: string | null = null;
    let uid: number | undefined;
    for (const field of fields) {
      if (field.startsWith('installer=')) {
        const value = field.slice('installer='.length);
        installer = value === 'null' || value === '' ? null : value;
      } else if (field.startsWith('uid:')) {
        // Multi-user devices print `uid:10234,1010234`: the first is the owner user's.
        const value = Number.parseInt(field.slice(4).split(',')[0] ?? '', 10);
        if (!Number.isInteger(value)) fail('has an invalid uid');
        uid = value;
      }
    }
    packages.push({
      id,
      apkPath,
      installer,
      system: !apkPath.startsWith('/data/'),
      ...(uid === undefined ? {} : { uid }),
    });
  });
  if (packages.length === 0) throw new AdbParseError('pm list packages -f -i -U', 'no package lines');
  return packages;
}
