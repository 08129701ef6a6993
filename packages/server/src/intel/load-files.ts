/**
 * Loads intel files from disk for the offline command and for sources configured as local paths:
 * walks directories, detects each file's format, parses it and reports per-file counts. Parsing
 * itself is the engine's (pure); this module only does the I/O.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  detectFormat,
  type IndicatorCategory,
  type IndicatorKind,
  type IntelFormat,
  IntelParseError,
  mispFeedFileRole,
  type ParseContext,
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
  /** Distinct indicator values by kind (loaded files). */
  readonly byKind?: Readonly<Partial<Record<IndicatorKind, number>>>;
  /** The family or campaign the file's indicators carry, and where it came from. */
  readonly family?: string;
  readonly familyFrom?: string;
  /** The categories of its indicators (`spyware`, `c2`, `phishing`…). */
  readonly categories?: IndicatorCategory[];
  /** The first skipped entries, each with its reason (the count is `skippedEntries`). */
  readonly skippedSample?: string[];
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
  /** How many skipped entries each file report lists (default 20). */
  readonly skippedSample?: number;
}

const MVT_LIST =
  /^(domains|package_names|package_cert_hashes|sha256|ip-addresses|processes|file_paths|file_names|emails|config_profiles|urls|android_properties)\.txt$/;
/** A write-up beside a STIX bundle describes the bundle (MVT's campaign READMEs): covered by it. */
const WRITEUP = /^readme(\.[a-z]+)?$|\.(md|markdown|adoc|asciidoc|html?|rst)$/i;
/** The formats of indicators published beside a report: a folder holding one is a campaign folder. */
const REPORT_FORMATS: ReadonlySet<IntelFormat> = new Set(['ioc-text', 'hash-list', 'ip-list', 'ioc-csv']);

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

/** Distinct values by kind, the family and the categories of a parsed feed (what `intel check` prints). */
export function summarizeFeed(
  feed: ParsedFeed,
  sample = 20,
): Pick<IntelFileReport, 'byKind' | 'family' | 'familyFrom' | 'categories' | 'skippedSample'> {
  const values = new Map<IndicatorKind, Set<string>>();
  const categories = new Set<IndicatorCategory>();
  const families = new Set<string>();
  for (const { kind, value, provenance } of feed.indicators) {
    let set = values.get(kind);
    if (set === undefined) {
      set = new Set();
      values.set(kind, set);
    }
    set.add(value);
    categories.add(provenance.category);
    if (provenance.family !== undefined) families.add(provenance.family);
  }
  // One family for the file, or none named when its indicators belong to several (curated feeds).
  const family = feed.family ?? (families.size === 1 ? [...families][0] : undefined);
  const byKind: Partial<Record<IndicatorKind, number>> = {};
  for (const [kind, set] of values) byKind[kind] = set.size;
  const out: { -readonly [K in keyof IntelFileReport]?: IntelFileReport[K] } = {
    byKind,
    categories: [...categories].sort(),
    skippedSample: feed.skipped.slice(0, sample),
  };
  if (family !== undefined) {
    out.family = family;
    out.familyFrom = feed.familyFrom ?? 'feed';
  }
  return out;
}

/** The report of one parsed file (what `intel check` prints and a feed upload returns). */
export function reportOfFeed(path: string, feed: ParsedFeed, sample = 20): IntelFileReport {
  return {
    path,
    status: 'loaded',
    format: feed.format,
    feed: feed.feed,
    records: recordCount(feed),
    skippedEntries: feed.skipped.length,
    ...summarizeFeed(feed, sample),
  };
}

/** One directory's files, sorted; the STIX bundles and write-ups among them. */
interface DirectoryFiles {
  readonly dir: string;
  readonly files: string[];
  readonly bundles: string[];
  readonly writeups: string[];
}

/**
 * SQLite files (a data folder given as an intel path holds the server's own). They are never
 * opened: closing any descriptor of such a file drops this process's POSIX locks on it, after
 * which another process closing its connection deletes the WAL under the server and the server's
 * reads go stale.
 */
const DATABASE_FILE = /\.(?:db|sqlite3?)(?:-wal|-shm|-journal)?$/i;
const DATABASE_FILE_REASON = 'a database file (not opened: it is never intel)';

/** Directories under `dir` (depth first, sorted, hidden entries skipped) with their files. */
async function walk(dir: string, out: DirectoryFiles[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name));
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  out.push({
    dir,
    files: files.map((name) => join(dir, name)),
    bundles: files.filter((name) => name.endsWith('.stix2')).map((name) => join(dir, name)),
    writeups: files.filter((name) => WRITEUP.test(name)).map((name) => join(dir, name)),
  });
  for (const entry of entries) if (entry.isDirectory()) await walk(join(dir, entry.name), out);
}

/**
 * The context a STIX bundle or a write-up gives the other files of its folder: its family, the
 * category of its indicators, its report. `undefined` when it names no family.
 */
function contextOf(feed: ParsedFeed, from: string): ParseContext | undefined {
  // Only what the whole file agrees on: a bundle of many families (stalkerware-indicators) gives
  // its siblings a category at most, never one family for all.
  const families = new Set<string>();
  const categories = new Set<IndicatorCategory>();
  let reference: string | undefined;
  for (const { provenance } of feed.indicators) {
    if (provenance.family !== undefined) families.add(provenance.family);
    categories.add(provenance.category);
    reference ??= provenance.reference;
  }
  const family = families.size === 1 ? [...families][0] : families.size === 0 ? feed.family : undefined;
  const category =
    categories.size === 1 ? [...categories][0] : categories.size === 0 ? feed.category : undefined;
  if (family === undefined && category === undefined) return undefined;
  return {
    ...(family !== undefined ? { family } : {}),
    ...(category !== undefined ? { category } : {}),
    ...(reference !== undefined && family !== undefined ? { reference } : {}),
    from,
  };
}

/**
 * Loads every intel file under the given paths (files or directories). In directories, files that
 * are not intel (LICENSE, JSON schemas, ATT&CK…), MVT plain lists and write-ups that duplicate the
 * campaign's STIX bundle, and write-ups without indicators are skipped and reported with the
 * reason; a file given explicitly must be intel. The other files of a folder inherit the family
 * and category of its STIX bundle, else of its write-up, else (in a folder of report files) the
 * folder's name: a campaign's domain list is its infrastructure, not phishing. Broken files are
 * reported in `errors` (with the line when known) and do not stop the others.
 */
export async function loadIntelFiles(
  paths: readonly string[],
  options: LoadIntelOptions = {},
): Promise<LoadIntelResult> {
  const maxBytes = options.maxFileBytes ?? 256 * 1024 * 1024;
  const sample = options.skippedSample ?? 20;
  const feeds: ParsedFeed[] = [];
  const errors: IntelLoadError[] = [];
  const files: IntelFileReport[] = [];
  const fail = (path: string, message: string, line?: number) => {
    errors.push(line === undefined ? { path, message } : { path, message, line });
    files.push({ path, status: 'error', records: 0, skippedEntries: 0, reason: message });
  };
  const skip = (path: string, reason: string) =>
    files.push({ path, status: 'skipped', records: 0, skippedEntries: 0, reason });

  /** Reads a file within the size limit; `undefined` (reported) when it cannot. */
  const read = async (path: string): Promise<string | undefined> => {
    try {
      const info = await stat(path);
      if (info.size > maxBytes) {
        fail(path, `file is larger than ${maxBytes} bytes`);
        return undefined;
      }
      return await readFile(path, 'utf8');
    } catch (error) {
      fail(path, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  /** Parses one file; reports it; returns the feed when loaded. */
  const load = (
    path: string,
    text: string,
    format: IntelFormat,
    context: ParseContext | undefined,
  ): ParsedFeed | undefined => {
    let feed: ParsedFeed;
    try {
      feed = parseIntelFile(text, path, context === undefined ? { format } : { format, context });
    } catch (error) {
      if (error instanceof IntelParseError) {
        fail(path, error.message, error.line);
        return undefined;
      }
      throw error;
    }
    if (format === 'ioc-text' && feed.indicators.length === 0) {
      skip(path, writeupWithoutIndicators(feed));
      return feed;
    }
    feeds.push(feed);
    files.push(reportOfFeed(path, feed, sample));
    return feed;
  };

  for (const root of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(root);
    } catch (error) {
      fail(root, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!info.isDirectory()) {
      if (DATABASE_FILE.test(root)) {
        fail(root, `${root}: ${DATABASE_FILE_REASON}`);
        continue;
      }
      const text = await read(root);
      if (text === undefined) continue;
      const format = detectFormat(root, text);
      if (format === undefined) {
        fail(root, `${root}: unknown intel format`);
        continue;
      }
      load(root, text, format, await siblingContext(root, format));
      continue;
    }
    const directories: DirectoryFiles[] = [];
    await walk(root, directories);
    for (const directory of directories) await loadDirectory(directory);
  }
  return { feeds, errors, files };

  /** A folder: its bundles first, then its write-ups, then the rest with the context they give. */
  async function loadDirectory({ dir, files: paths, bundles, writeups }: DirectoryFiles): Promise<void> {
    const texts = new Map<string, { text: string; format: IntelFormat | undefined }>();
    for (const path of paths) {
      if (DATABASE_FILE.test(path)) {
        skip(path, DATABASE_FILE_REASON);
        continue;
      }
      const text = await read(path);
      if (text !== undefined) texts.set(path, { text, format: detectFormat(path, text) });
    }
    let context: ParseContext | undefined;
    for (const path of bundles) {
      const entry = texts.get(path);
      if (entry?.format === undefined) continue;
      const feed = load(path, entry.text, entry.format, undefined);
      if (feed !== undefined) context ??= contextOf(feed, basename(path));
    }
    const covered = (path: string) =>
      bundles.length > 0 && (MVT_LIST.test(basename(path)) || WRITEUP.test(basename(path)));
    if (bundles.length === 0)
      for (const path of writeups) {
        const entry = texts.get(path);
        if (entry?.format !== 'ioc-text') continue;
        const feed = load(path, entry.text, entry.format, undefined);
        if (feed !== undefined) context ??= contextOf(feed, basename(path));
      }
    // A folder of report files (hash lists, IP lists, sheets) is a campaign folder: its name is the
    // family when neither a bundle nor a write-up named one.
    const campaign = [...texts.values()].some((e) => e.format !== undefined && REPORT_FORMATS.has(e.format));
    if (campaign && context?.family === undefined) {
      const family = basename(dir)
        .replace(/^\d{4}[-_]?\d{2}(?:[-_]?\d{2})?[-_]/, '')
        .replace(/_/g, ' ');
      context = { ...context, family, from: 'folder' };
    }
    for (const path of paths) {
      if (
        bundles.includes(path) ||
        (bundles.length === 0 && writeups.includes(path) && texts.get(path)?.format === 'ioc-text')
      )
        continue;
      const entry = texts.get(path);
      if (entry === undefined) continue;
      if (covered(path)) {
        skip(path, 'covered by the STIX bundle beside it');
        continue;
      }
      if (entry.format === undefined) {
        skip(path, notIntelReason(path, entry.text));
        continue;
      }
      load(path, entry.text, entry.format, context);
    }
  }
}

/** The reason a write-up yielded nothing, with the first values it rejected and why. */
export function writeupWithoutIndicators(feed: ParsedFeed): string {
  const first = feed.skipped.slice(0, 3).join('; ');
  return `write-up without indicators (${feed.skipped.length} values rejected${first === '' ? '' : `: ${first}`})`;
}

/** Why a file in a folder is not intel, in words a user can act on. */
function notIntelReason(path: string, text: string): string {
  const name = basename(path);
  const misp = mispFeedFileRole(name, text);
  if (misp !== undefined) return misp;
  if (/^(license|licence|notice|copying)/i.test(name)) return `not intel: licence or notice (${name})`;
  if (/schema\.json$/i.test(name)) return `not intel: a JSON schema (${name})`;
  if (/"Event"\s*:/.test(text.slice(0, 4096)) && /"Attribute"\s*:/.test(text))
    return `MISP event JSON: not read yet, load the MISP CSV export beside it (${name})`;
  if (/\.json$/i.test(name) || /^\s*\{/.test(text)) return `not intel: JSON that is no known feed (${name})`;
  if (name.endsWith('.csv'))
    return `not intel: CSV without an indicator type/value column or a hash column (${name})`;
  return `not intel: no known format and no indicators (${name})`;
}

/**
 * The context of a file given on its own: the STIX bundle or write-up in its folder, read for
 * their family (not loaded). `undefined` for a bundle or write-up itself, or when none names one.
 */
async function siblingContext(path: string, format: IntelFormat): Promise<ParseContext | undefined> {
  if (format === 'stix2' || format === 'ioc-text' || format === 'mvt-list') return undefined;
  const dir = dirname(path);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return undefined;
  }
  for (const pick of [(n: string) => n.endsWith('.stix2'), (n: string) => WRITEUP.test(n)]) {
    for (const name of names.filter(pick)) {
      try {
        const sibling = join(dir, name);
        const text = await readFile(sibling, 'utf8');
        const kind = detectFormat(sibling, text);
        if (kind !== 'stix2' && kind !== 'ioc-text') continue;
        const context = contextOf(parseIntelFile(text, sibling, { format: kind }), name);
        if (context !== undefined) return context;
      } catch {
        // An unreadable or broken sibling gives no context; the file itself still loads.
      }
    }
  }
  return undefined;
}
