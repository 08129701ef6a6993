/**
 * Loads intel files from disk for the offline command and for sources configured as local paths:
 * walks directories, detects each file's format, parses it and reports per-file counts. Parsing
 * itself is the engine's (pure); this module only does the I/O.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  detectFormat,
  type IntelFormat,
  IntelParseError,
  type ParsedFeed,
  parseIntelFile,
} from '@riskgate/engine';

/** What happened to one file. */
export interface IntelFileReport {
  readonly path: string;
  readonly status: 'loaded' | 'skipped' | 'error';
  readonly format?: IntelFormat;
  readonly feed?: string;
  /** Indicators plus vulnerability / release / end-of-life records. */
  readonly records: number;
  /** Entries the parser skipped on purpose (regex trails, unsupported patterns…). */
  readonly skippedEntries: number;
  /** Why the file was skipped or failed. */
  readonly reason?: string;
}

/** A file that could not be read or parsed. */
export interface IntelLoadError {
  readonly path: string;
  readonly message: string;
  /** 1-based line, when the parser could tell. */
  readonly line?: number;
}

export interface LoadIntelResult {
  readonly feeds: ParsedFeed[];
  readonly errors: IntelLoadError[];
  readonly files: IntelFileReport[];
}

export interface LoadIntelOptions {
  /** Files larger than this are refused (default 256 MiB). */
  readonly maxFileBytes?: number;
}

const MVT_LIST =
  /^(domains|package_names|package_cert_hashes|sha256|ip-addresses|processes|file_paths|file_names|emails|config_profiles|urls|android_properties)\.txt$/;

function recordCount(feed: ParsedFeed): number {
  return (
    feed.indicators.length +
    feed.kev.length +
    feed.androidVulnerabilities.length +
    feed.iosReleases.length +
    feed.eolCycles.length +
    feed.osPointReleases.length
  );
}

/** Files under a directory (sorted, hidden entries skipped); MVT lists beside a `.stix2` bundle are marked as covered. */
async function walk(dir: string, out: Array<{ path: string; covered: boolean }>): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name));
  const hasBundle = entries.some((e) => e.isFile() && e.name.endsWith('.stix2'));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile()) out.push({ path, covered: hasBundle && MVT_LIST.test(entry.name) });
  }
}

/**
 * Loads every intel file under the given paths (files or directories). In directories, files that
 * are not intel (LICENSE, README, JSON schemas, ATT&CK…) and MVT plain lists that duplicate the
 * campaign's STIX bundle are skipped and reported; a file given explicitly must be intel. Broken
 * files are reported in `errors` (with the line when known) and do not stop the others.
 */
export async function loadIntelFiles(
  paths: readonly string[],
  options: LoadIntelOptions = {},
): Promise<LoadIntelResult> {
  const maxBytes = options.maxFileBytes ?? 256 * 1024 * 1024;
  const feeds: ParsedFeed[] = [];
  const errors: IntelLoadError[] = [];
  const files: IntelFileReport[] = [];
  const fail = (path: string, message: string, line?: number) => {
    errors.push(line === undefined ? { path, message } : { path, message, line });
    files.push({ path, status: 'error', records: 0, skippedEntries: 0, reason: message });
  };
  for (const root of paths) {
    let candidates: Array<{ path: string; covered: boolean; explicit: boolean }>;
    try {
      const info = await stat(root);
      if (info.isDirectory()) {
        const found: Array<{ path: string; covered: boolean }> = [];
        await walk(root, found);
        candidates = found.map((f) => ({ ...f, explicit: false }));
      } else candidates = [{ path: root, covered: false, explicit: true }];
    } catch (error) {
      fail(root, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    for (const { path, covered, explicit } of candidates) {
      if (covered) {
        files.push({
          path,
          status: 'skipped',
          records: 0,
          skippedEntries: 0,
          reason: 'covered by the STIX bundle beside it',
        });
        continue;
      }
      let text: string;
      try {
        const info = await stat(path);
        if (info.size > maxBytes) {
          fail(path, `file is larger than ${maxBytes} bytes`);
          continue;
        }
        text = await readFile(path, 'utf8');
      } catch (error) {
        fail(path, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const format = detectFormat(path, text);
      if (format === undefined) {
        if (explicit) fail(path, `${path}: unknown intel format`);
        else
          files.push({
            path,
            status: 'skipped',
            records: 0,
            skippedEntries: 0,
            reason: `not intel (${basename(path)})`,
          });
        continue;
      }
      try {
        const feed = parseIntelFile(text, path, { format });
        feeds.push(feed);
        files.push({
          path,
          status: 'loaded',
          format,
          feed: feed.feed,
          records: recordCount(feed),
          skippedEntries: feed.skipped.length,
        });
      } catch (error) {
        if (error instanceof IntelParseError) fail(path, error.message, error.line);
        else throw error;
      }
    }
  }
  return { feeds, errors, files };
}
