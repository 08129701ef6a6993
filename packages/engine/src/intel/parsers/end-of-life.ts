import { IntelParseError, isRecord, parseJson, str } from '../errors.ts';
import { type EolCycle, emptyFeed, type ParsedFeed, type ParseOptions } from '../types.ts';
import { baseName, parseYaml } from './common.ts';

/** Product name from an endoflife.date file name: `products/pixel.md` → `pixel`. */
export function eolProductName(fileName: string): string {
  return baseName(fileName).replace(/\.(ya?ml|md|json)$/i, '');
}

function dateOrBool(value: unknown): boolean | string | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The YAML front matter of an endoflife.date `.md` product page, or the whole text for `.yaml`. */
function frontMatter(source: string): string {
  if (!source.startsWith('---')) return source;
  const end = source.indexOf('\n---', 3);
  return end === -1 ? source.slice(3) : source.slice(3, end);
}

/**
 * Parses an endoflife.date product (`products/<name>.md` front matter or the YAML itself): its
 * `releases` (cycle, release date, eol / eoas date or flag, latest version, API level, label).
 */
export function parseEolProduct(source: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const data = parseYaml(frontMatter(source), fileName);
  if (!isRecord(data) || !Array.isArray(data.releases)) {
    throw new IntelParseError(fileName, 'not an endoflife.date product (no "releases" list)', { line: 1 });
  }
  const product = eolProductName(fileName);
  const feed = emptyFeed(options.feed ?? 'endoflife.date', 'eol-product', fileName);
  data.releases.forEach((release: unknown, i) => {
    const where = `releases[${i}]`;
    const cycle = isRecord(release) ? text(release.releaseCycle) : undefined;
    if (!isRecord(release) || cycle === undefined)
      throw new IntelParseError(fileName, 'release without releaseCycle', { object: where });
    const eol = dateOrBool(release.eol);
    if (eol === undefined)
      throw new IntelParseError(fileName, `release ${cycle}: eol is neither a date nor a boolean`, {
        object: where,
      });
    const out: { -readonly [K in keyof EolCycle]: EolCycle[K] } = { product, cycle, eol, feed: feed.feed };
    const label = text(release.releaseLabel);
    const releaseDate = dateOrBool(release.releaseDate);
    const eoas = dateOrBool(release.eoas);
    const latest = text(release.latest);
    const apiVersion = text(release.apiVersion);
    const link = text(release.link);
    if (label !== undefined) out.label = label.replace(/__RELEASE_CYCLE__/g, cycle);
    if (typeof releaseDate === 'string') out.releaseDate = releaseDate;
    if (eoas !== undefined) out.eoas = eoas;
    if (latest !== undefined) out.latest = latest;
    if (apiVersion !== undefined) out.apiVersion = apiVersion;
    if (link !== undefined) out.link = link;
    feed.eolCycles.push(out);
  });
  return feed;
}

/**
 * Parses endoflife.date release-data JSON (`releases/<product>.json`): `versions` (point releases
 * with dates, e.g. iOS) and `releases` (models with `eol`, e.g. Samsung, Motorola).
 */
export function parseEolReleaseData(
  source: string,
  fileName: string,
  options: ParseOptions = {},
): ParsedFeed {
  const data = parseJson(source, fileName);
  if (!isRecord(data) || !isRecord(data.releases) || !isRecord(data.versions)) {
    throw new IntelParseError(fileName, 'not endoflife.date release data (needs "releases" and "versions")', {
      line: 1,
    });
  }
  const product = eolProductName(fileName);
  const feed = emptyFeed(options.feed ?? 'endoflife.date', 'eol-release-data', fileName);
  for (const [name, version] of Object.entries(data.versions)) {
    const date = isRecord(version) ? str(version, 'date') : undefined;
    feed.osPointReleases.push(
      date === undefined ? { product, version: name } : { product, version: name, date },
    );
  }
  for (const [name, release] of Object.entries(data.releases)) {
    if (!isRecord(release))
      throw new IntelParseError(fileName, 'release is not an object', { object: `releases.${name}` });
    const eol = dateOrBool(release.eol);
    if (eol === undefined) continue;
    const out: { -readonly [K in keyof EolCycle]: EolCycle[K] } = {
      product,
      cycle: name,
      eol,
      feed: feed.feed,
    };
    const label = str(release, 'releaseLabel');
    const releaseDate = str(release, 'releaseDate');
    const link = str(release, 'link');
    if (label !== undefined) out.label = label;
    if (releaseDate !== undefined) out.releaseDate = releaseDate;
    if (link !== undefined) out.link = link;
    feed.eolCycles.push(out);
  }
  return feed;
}
