import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { collectAdbFolder, looksLikeAdbFolder } from './adb-folder.ts';
import { collectAndroidQf } from './androidqf.ts';
import { collectBugreport, findDumpstate } from './bugreport.ts';
import { CollectorError } from './collector-error.ts';
import { collectIosBackup } from './ios-backup.ts';
import { openFolder, openZip, type SourceFiles } from './source-files.ts';
import type { CollectedSnapshot, CollectOptions, SourceKind } from './types.ts';

type FileKind = Exclude<SourceKind, 'adb'>;

/** Which kind of acquisition these files are, from the files they hold. */
export function detectSource(files: SourceFiles): FileKind | undefined {
  const has = (name: string) => files.names.includes(name);
  if (has('Manifest.db') || has('Manifest.plist') || has('Info.plist')) return 'ios-backup';
  if (has('packages.json') || has('root_binaries.json') || has('dumpsys.txt')) return 'androidqf';
  if (has('main_entry.txt') || files.names.some((name) => /^(bugreport-.*|dumpstate)\.txt$/.test(name)))
    return 'bugreport';
  if (looksLikeAdbFolder(files)) return 'adb-folder';
  return undefined;
}

/** Whether a file begins with a zip signature (`PK`), read without loading the file. */
function startsWithPk(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === 'PK';
  } finally {
    closeSync(fd);
  }
}

/**
 * Builds a snapshot from what `path` is: a folder (AndroidQF, bugreport, single adb outputs, iOS
 * backup), a zip (AndroidQF or bugreport), or a bugreport's `dumpstate.txt`. `kind` forces the
 * kind. Throws `CollectorError` naming the file when something present cannot be read.
 */
export function collectFromPath(path: string, options: CollectOptions, kind?: FileKind): CollectedSnapshot {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new CollectorError(path, undefined, 'no such file or folder');
  }
  if (path.endsWith('.age'))
    throw new CollectorError(
      path,
      undefined,
      'encrypted with age (AndroidQF with a key): decrypt it first (age --decrypt -i <key> -o acquisition.zip <file>), then scan the result',
    );
  let files: SourceFiles;
  let detected: FileKind | undefined;
  if (stat.isDirectory()) {
    files = openFolder(path);
    detected = kind ?? detectSource(files);
  } else {
    if (startsWithPk(path) || path.toLowerCase().endsWith('.zip')) {
      files = openZip(path);
      // An AndroidQF zip may hold only some of its files (getprop.txt alone): a zip that is not a bugreport is AndroidQF.
      detected = kind ?? (detectSource(files) === 'bugreport' ? 'bugreport' : 'androidqf');
    } else {
      // A single text file: a bugreport's dumpstate.txt.
      // Its real path: the folder's reader only reads files its walk listed (symlinks are not walked).
      const real = realpathSync(path);
      files = openFolder(dirname(real));
      return collectBugreport(files, basename(real), options);
    }
  }
  if (detected === undefined && files.names.some((name) => name.endsWith('.age')))
    throw new CollectorError(
      path,
      undefined,
      'its files are encrypted with age (AndroidQF with a key): decrypt them first, then scan',
    );
  switch (detected) {
    case 'ios-backup':
      return collectIosBackup(files, options);
    case 'androidqf':
      return collectAndroidQf(files, options);
    case 'adb-folder':
      return collectAdbFolder(files, options);
    case 'bugreport': {
      const name = findDumpstate(files);
      if (name === undefined)
        throw new CollectorError(
          files.label,
          undefined,
          'no dumpstate text (main_entry.txt, bugreport-*.txt or dumpstate.txt)',
        );
      return collectBugreport(files, name, options);
    }
    default:
      throw new CollectorError(
        path,
        undefined,
        'not a known acquisition: expected an AndroidQF folder or zip (packages.json, getprop.txt), a bugreport (zip or dumpstate.txt), a folder of adb outputs (getprop.txt, dumpsys_packages.txt) or an iOS backup folder (Info.plist, Manifest.db)',
      );
  }
}
