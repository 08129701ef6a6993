import {
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
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
export const MAX_ZIP_ENTRY_BYTES = 128 * 1024 * 1024;
/** Largest sum of the declared sizes of the entries inflated from one zip. */
export const MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024;
/** Largest central directory read (a listing of some 500,000 entries). */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

/** Entries a collector may read: text, JSON, plists, Manifest.db; not APKs, backups, logs or media. */
function wanted(name: string): boolean {
  const parts = name.split('/');
  if (parts.length > 3 || name.endsWith('/')) return false;
  return /\.(txt|json|plist|db)$/i.test(parts.at(-1) ?? '') || (parts.at(-1) ?? '') === 'main_entry.txt';
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Reads `length` bytes at `position` of an open file; fewer bytes than asked is a truncated archive. */
function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw new Error('unexpected end of file: truncated?');
    done += n;
  }
  return buffer;
}

/** The central directory of a zip (ZIP64 included), read from the end of the file. */
function readDirectory(fd: number, fileSize: number): ZipEntry[] {
  const tailLength = Math.min(fileSize, 22 + 65535 + 20);
  const tail = readAt(fd, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let at = tail.length - 22; at >= 0; at -= 1)
    if (tail.readUInt32LE(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  if (eocd < 0) throw new Error('invalid zip data (no end of central directory)');
  let count = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);
  if (eocd >= 20 && tail.readUInt32LE(eocd - 20) === 0x07064b50) {
    const zip64At = Number(tail.readBigUInt64LE(eocd - 12));
    const zip64 = readAt(fd, zip64At, 56);
    if (zip64.readUInt32LE(0) !== 0x06064b50) throw new Error('invalid zip data (bad ZIP64 record)');
    count = Number(zip64.readBigUInt64LE(32));
    directorySize = Number(zip64.readBigUInt64LE(40));
    directoryOffset = Number(zip64.readBigUInt64LE(48));
  }
  if (directorySize > MAX_DIRECTORY_BYTES)
    throw new Error(`the central directory is ${directorySize} bytes, more than ${MAX_DIRECTORY_BYTES}`);
  if (directoryOffset + directorySize > fileSize) throw new Error('invalid zip data (truncated?)');
  const directory = readAt(fd, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== 0x02014b50)
      throw new Error(`invalid zip data (central directory entry ${i})`);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: directory.subarray(at + 46, at + 46 + nameLength).toString('utf8'),
      method: directory.readUInt16LE(at + 10),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localOffset: directory.readUInt32LE(at + 42),
    };
    // ZIP64 extra field: the 64-bit values of the fields set to 0xffffffff, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = directory.readUInt16LE(extra);
      const length = directory.readUInt16LE(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        const next = (): number => {
          const value = Number(directory.readBigUInt64LE(field));
          field += 8;
          return value;
        };
        if (entry.size === 0xffffffff) entry.size = next();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
        if (entry.localOffset === 0xffffffff) entry.localOffset = next();
      }
      extra += 4 + length;
    }
    entries.push(entry);
    at = extraEnd + commentLength;
  }
  return entries;
}

/** The bytes of one entry, inflated to exactly its declared size (more or less is an error). */
function inflateEntry(fd: number, fileSize: number, entry: ZipEntry): Buffer {
  const local = readAt(fd, entry.localOffset, 30);
  if (local.readUInt32LE(0) !== 0x04034b50) throw new Error('invalid zip data (bad local header)');
  const dataAt = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (entry.compressedSize > MAX_ZIP_ENTRY_BYTES || dataAt + entry.compressedSize > fileSize)
    throw new Error(`its compressed data (${entry.compressedSize} bytes) does not fit the archive`);
  const raw = readAt(fd, dataAt, entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) {
    try {
      // One byte more than declared is allowed to be produced, so an entry that lies small is seen.
      data = inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new Error(`declares ${entry.size} bytes but inflates to more`);
      throw error;
    }
  } else throw new Error(`unknown compression method ${entry.method}`);
  if (data.length !== entry.size)
    throw new Error(
      `declares ${entry.size} bytes but holds ${data.length > entry.size ? 'more' : data.length}`,
    );
  return data;
}

/**
 * Files of a zip archive, read by random access (never the whole file into memory); a truncated or
 * corrupt archive is a CollectorError. Every entry's name is listed, but only the small
 * text/plist/database files a collector reads are inflated (an AndroidQF zip also holds every APK,
 * logs and a backup, often gigabytes): each at most MAX_ZIP_ENTRY_BYTES, all together at most
 * MAX_ZIP_TOTAL_BYTES by their declared sizes, and each must inflate to exactly its declared size.
 */
export function openZip(file: string): SourceFiles {
  const byPath = new Map<string, Uint8Array>();
  let all: string[];
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new CollectorError(file, undefined, `cannot open (${(error as Error).message})`);
  }
  try {
    let entries: ZipEntry[];
    const fileSize = fstatSync(fd).size;
    try {
      entries = readDirectory(fd, fileSize);
    } catch (error) {
      throw new CollectorError(file, undefined, `not a readable zip archive (${(error as Error).message})`);
    }
    all = entries.map((entry) => entry.name);
    let total = 0;
    for (const entry of entries) {
      if (!wanted(entry.name)) continue;
      if (entry.size > MAX_ZIP_ENTRY_BYTES)
        throw new CollectorError(
          `${file}!${entry.name}`,
          undefined,
          `declares ${entry.size} bytes, more than the ${MAX_ZIP_ENTRY_BYTES / 1024 / 1024} MiB an entry may inflate to: unzip the archive and scan the folder`,
        );
      total += entry.size;
      if (total > MAX_ZIP_TOTAL_BYTES)
        throw new CollectorError(
          `${file}!${entry.name}`,
          undefined,
          `the entries to read declare ${total} bytes together, more than ${MAX_ZIP_TOTAL_BYTES / 1024 / 1024 / 1024} GiB: unzip the archive and scan the folder`,
        );
    }
    for (const entry of entries) {
      if (!wanted(entry.name)) continue;
      try {
        byPath.set(entry.name, inflateEntry(fd, fileSize, entry));
      } catch (error) {
        throw new CollectorError(`${file}!${entry.name}`, undefined, (error as Error).message);
      }
    }
  } finally {
    closeSync(fd);
  }
  const entries = Object.fromEntries(byPath);
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
