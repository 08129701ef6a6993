import type { IndicatorCategory, IndicatorKind } from '../../types.ts';
import { IntelParseError, isRecord, str } from '../errors.ts';
import { emptyFeed, type ParsedFeed, type ParseOptions } from '../types.ts';
import { baseName, IndicatorCollector, parseYaml, provenance, splitCsvLine, splitLines } from './common.ts';

const FEED = 'stalkerware-indicators';

/** Keys of a stalkerware-indicators entry and the indicator kind each list holds. */
const LIST_KEYS: ReadonlyArray<readonly [string, IndicatorKind]> = [
  ['packages', 'app-id'],
  ['ios_bundles', 'app-id'],
  ['certificates', 'cert-sha1'],
  ['websites', 'domain'],
  ['distribution', 'domain'],
];
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'name',
  'names',
  'type',
  'c2',
  'certificate_organizations',
  'certificate_cname_re',
  ...LIST_KEYS.map(([key]) => key),
]);

function categoryOf(type: string | undefined): IndicatorCategory {
  return type === 'watchware' ? 'watchware' : 'stalkerware';
}

function listOf(value: unknown, file: string, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new IntelParseError(file, 'expected a list', { object: where });
  return value.map((v) => String(v));
}

/**
 * Parses stalkerware-indicators `ioc.yaml` / `watchware.yaml`: a list of apps, each with packages,
 * signing-certificate SHA-1s, websites, distribution sites, C2 domains and IPs, and iOS bundle ids.
 * The family is the entry `name`; the category its `type` (stalkerware / watchware).
 */
export function parseStalkerwareYaml(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const data = parseYaml(text, fileName);
  if (!Array.isArray(data)) throw new IntelParseError(fileName, 'expected a YAML list of apps', { line: 1 });
  const feed = emptyFeed(options.feed ?? FEED, 'stalkerware-yaml', fileName);
  const out = new IndicatorCollector();
  const base = baseName(fileName);
  data.forEach((entry: unknown, index) => {
    const at = `entry ${index + 1}`;
    if (!isRecord(entry)) throw new IntelParseError(fileName, 'entry is not a mapping', { object: at });
    const name = str(entry, 'name');
    if (name === undefined || name.trim() === '') {
      throw new IntelParseError(fileName, 'entry has no name', { object: at });
    }
    const where = `${at} "${name}"`;
    for (const key of Object.keys(entry)) {
      if (!KNOWN_KEYS.has(key))
        throw new IntelParseError(fileName, `unknown key "${key}"`, { object: where });
    }
    const prov = provenance(feed.feed, categoryOf(str(entry, 'type')), {
      family: name,
      source: `${base}#${name}`,
    });
    for (const [key, kind] of LIST_KEYS) {
      for (const value of listOf(entry[key], fileName, `${where} ${key}`))
        out.add(kind, value, prov, `${where} ${key}`);
    }
    const c2 = entry.c2;
    if (c2 !== undefined && c2 !== null) {
      if (!isRecord(c2)) throw new IntelParseError(fileName, 'c2 is not a mapping', { object: where });
      for (const [key, value] of Object.entries(c2)) {
        const kind: IndicatorKind | undefined =
          key === 'domains' ? 'domain' : key === 'ips' || key === 'ip' ? 'ip' : undefined;
        if (kind === undefined)
          throw new IntelParseError(fileName, `unknown c2 key "${key}"`, { object: where });
        for (const v of listOf(value, fileName, `${where} c2.${key}`))
          out.add(kind, v, prov, `${where} c2.${key}`);
      }
    }
  });
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}

function checkHeader(lines: string[], fileName: string, expected: string): void {
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  if (header.toLowerCase() !== expected.toLowerCase()) {
    throw new IntelParseError(fileName, `unexpected CSV header "${header}", expected "${expected}"`, {
      line: 1,
    });
  }
}

/**
 * Parses stalkerware-indicators `samples.csv` (`SHA256,Package Name,Certificate,Version,App`):
 * the APK SHA-256, package name and certificate SHA-1 of each sample, family from the `App` column.
 */
export function parseStalkerwareSamples(
  text: string,
  fileName: string,
  options: ParseOptions = {},
): ParsedFeed {
  const lines = splitLines(text);
  checkHeader(lines, fileName, 'SHA256,Package Name,Certificate,Version,App');
  const feed = emptyFeed(options.feed ?? FEED, 'stalkerware-samples-csv', fileName);
  const out = new IndicatorCollector();
  const base = baseName(fileName);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    if (cells.length !== 5)
      throw new IntelParseError(fileName, `expected 5 columns, got ${cells.length}`, { line: i + 1 });
    const [sha256 = '', pkg = '', cert = '', , app = ''] = cells.map((c) => c.trim());
    const prov = provenance(feed.feed, 'stalkerware', { family: app, source: `${base}:${i + 1}` });
    if (!out.add('file-sha256', sha256, prov, `line ${i + 1}`)) {
      throw new IntelParseError(fileName, `invalid SHA-256 "${sha256}"`, { line: i + 1 });
    }
    if (pkg !== '') out.add('app-id', pkg, prov, `line ${i + 1}`);
    if (cert !== '') out.add('cert-sha1', cert, prov, `line ${i + 1}`);
  }
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}

/** Parses stalkerware-indicators `network.csv` (`type,indicator,app`, type `domain` or `ipv4`/`ipv6`). */
export function parseStalkerwareNetwork(
  text: string,
  fileName: string,
  options: ParseOptions = {},
): ParsedFeed {
  const lines = splitLines(text);
  checkHeader(lines, fileName, 'type,indicator,app');
  const feed = emptyFeed(options.feed ?? FEED, 'stalkerware-network-csv', fileName);
  const out = new IndicatorCollector();
  const base = baseName(fileName);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line).map((c) => c.trim());
    if (cells.length !== 3)
      throw new IntelParseError(fileName, `expected 3 columns, got ${cells.length}`, { line: i + 1 });
    const [type = '', value = '', app = ''] = cells;
    const kind: IndicatorKind | undefined =
      type === 'domain' ? 'domain' : type === 'ipv4' || type === 'ipv6' || type === 'ip' ? 'ip' : undefined;
    if (kind === undefined)
      throw new IntelParseError(fileName, `unknown indicator type "${type}"`, { line: i + 1 });
    const prov = provenance(feed.feed, 'stalkerware', { family: app, source: `${base}:${i + 1}` });
    out.add(kind, value, prov, `line ${i + 1}`);
  }
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}
