import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { CollectorError } from './collector-error.ts';

/**
 * The files of an acquisition, whether a folder or a zip, by their path inside it (`/`-separated).
 * A zip whose entries all sit in one top folder (`androidqf/getprop.txt`) is read as that folder.
 */
export interface SourceFiles {
  /** How errors name the acquisition: the folder path, or the zip path. */
  readonly label: string;
  /** Every file path inside, sorted. */
  readonly names: readonly string[];
  /** The bytes of a file, or undefined when it is absent. */
  read(name: string): Buffer | undefined;
  /** How to name one of its files in an error or in coverage (`dir/getprop.txt`, `a.zip!getprop.txt`). */
  display(name: string): string;
}

/**
 * Files of a folder, recursively (at most `limit` entries; an acquisition is not a whole disk).
 * Symbolic links are not walked. `read` only reads a name the walk listed, and only when its real
 * path (symlinks resolved at read time) is still inside the folder: a name taken from the
 * acquisition's own data (Manifest.db, main_entry.txt) can never reach another file of the machine.
 */
export function openFolder(dir: string, limit = 100_000): SourceFiles {
  const names: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) names.push(relative(dir, path).split(sep).join('/'));
      if (names.length > limit) throw new CollectorError(dir, undefined, `more than ${limit} files`);
    }
  };
  walk(dir);
  names.sort();
  const walked = new Set(names);
  const root = realpathSync(dir);
  const display = (name: string) => join(dir, name);
  return {
    label: dir,
    names,
    display,
    read: (name) => {
      if (!walked.has(name)) return undefined;
      let real: string;
      try {
        real = realpathSync(join(dir, name));
        if (!real.startsWith(`${root}${sep}`) || !statSync(real).isFile()) return undefined;
      } catch {
        return undefined;
      }
      return readFileSync(real);
    },
  };
}

/** Largest entry inflated from a zip (a bugreport's dumpstate text is tens of MB). */
const MAX_ENTRY_BYTES = 512 * 1024 * 1024;

/** Entries a collector may read: text, JSON, plists, Manifest.db; not APKs, backups, logs or media. */
function wanted(name: string): boolean {
  const parts = name.split('/');
  if (parts.length > 3 || name.endsWith('/')) return false;
  return /\.(txt|json|plist|db)$/i.test(parts.at(-1) ?? '') || (parts.at(-1) ?? '') === 'main_entry.txt';
}

/** Files of a zip archive, read with fflate; a truncated or corrupt archive is a CollectorError. */
export function openZip(file: string, bytes: Uint8Array = readFileSync(file)): SourceFiles {
  let entries: Record<string, Uint8Array>;
  // Every entry's name is listed, but only the small text/plist/database files a collector reads are
  // inflated: an AndroidQF zip also holds every APK (apks/), logs and a backup, often gigabytes.
  const all: string[] = [];
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        all.push(entry.name);
        return wanted(entry.name) && entry.originalSize <= MAX_ENTRY_BYTES;
      },
    });
  } catch (error) {
    throw new CollectorError(file, undefined, `not a readable zip archive (${(error as Error).message})`);
  }
  const files = all.filter((name) => !name.endsWith('/'));
  if (files.length === 0) throw new CollectorError(file, undefined, 'the zip archive holds no files');
  const tops = new Set(files.map((name) => (name.includes('/') ? name.split('/')[0] : '')));
  const prefix = tops.size === 1 && !tops.has('') ? `${[...tops][0]}/` : '';
  const byName = new Map<string, Uint8Array>();
  for (const name of files) {
    const data = entries[name];
    if (data !== undefined) byName.set(name.slice(prefix.length), data);
  }
  const display = (name: string) => `${file}!${prefix}${name}`;
  return {
    label: file,
    names: files.map((name) => name.slice(prefix.length)).sort(),
    display,
    read: (name) => {
      const data = byName.get(name);
      return data === undefined ? undefined : Buffer.from(data);
    },
  };
}
