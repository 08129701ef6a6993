import type { IndicatorCategory, IndicatorKind } from '../../types.ts';
import { IntelParseError } from '../errors.ts';
import { normalizeDomain, normalizeHex } from '../normalize.ts';
import { emptyFeed, type ParsedFeed, type ParseOptions } from '../types.ts';
import { baseName, IndicatorCollector, parentName, provenance, splitCsvLine, splitLines } from './common.ts';
import {
  categoryFromWords,
  classifyToken,
  familyFromName,
  hashKindOf,
  rejectDomain,
  rejectIp,
} from './ioc-rules.ts';
import { campaignName } from './lists.ts';
import { extractFromText, type Markup } from './text-extract.ts';

/**
 * Parsers for indicators as analysts publish them beside a report: write-ups (Markdown, AsciiDoc,
 * HTML, plain text), hash list files (`samples.sha256`, `sha1.txt`), IP lists (`ips.txt`) and
 * CSV sheets with a header of their own (vendor sheets `Indicator_type,Data,Notes`, MISP CSV
 * exports, any CSV with a hash column). Every indicator's provenance names the file and line.
 */

interface Attribution {
  readonly family?: string;
  readonly familyFrom?: string;
  readonly category: IndicatorCategory;
  readonly reference?: string;
}

/** `folder/file:line`, the indicator's own reference. */
function sourceOf(fileName: string, line: number): string {
  const folder = parentName(fileName);
  return `${folder === undefined ? '' : `${folder}/`}${baseName(fileName)}:${line}`;
}

/**
 * Family and category of a file: the loader's context first (the STIX bundle or write-up beside
 * it), then the document's own title, then the file name, then the folder; the category from the
 * context, else from those words, never `phishing`.
 */
function attribute(fileName: string, options: ParseOptions, title?: string, extraWords = ''): Attribution {
  const context = options.context;
  const folder = parentName(fileName);
  // A bundle's or write-up's family wins; a folder's name only after the file's own title and name.
  const fromFolder = context?.from === 'folder';
  const candidates: Array<[string | undefined, string]> = [
    [fromFolder ? undefined : context?.family, context?.from ?? 'context'],
    [familyFromName(title), 'title'],
    [familyFromName(baseName(fileName)), 'file name'],
    [fromFolder ? context?.family : undefined, 'folder'],
    [folder === undefined ? undefined : familyFromName(campaignName(folder)), 'folder'],
  ];
  const found = candidates.find(([family]) => family !== undefined && family !== '');
  const category =
    context?.category ??
    categoryFromWords(`${title ?? ''} ${baseName(fileName)} ${folder ?? ''} ${extraWords}`);
  const out: { -readonly [K in keyof Attribution]: Attribution[K] } = { category };
  if (found?.[0] !== undefined) {
    out.family = found[0];
    out.familyFrom = found[1];
  }
  if (context?.reference !== undefined) out.reference = context.reference;
  return out;
}

function feedId(options: ParseOptions, prefix: string, attribution: Attribution, fileName: string): string {
  return options.feed ?? `${prefix}:${attribution.family ?? baseName(fileName).replace(/\.[^.]+$/, '')}`;
}

function finish(
  feed: ReturnType<typeof emptyFeed>,
  out: IndicatorCollector,
  attribution: Attribution,
): ParsedFeed {
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return attribution.family === undefined
    ? { ...feed, category: attribution.category }
    : {
        ...feed,
        category: attribution.category,
        family: attribution.family,
        familyFrom: attribution.familyFrom ?? 'context',
      };
}

/** Write-ups are reports, not bulk lists: larger ones are refused (their lists load as lists). */
export const MAX_WRITEUP_CHARS = 8 * 1024 * 1024;

/** The markup of a write-up file by its name (and an HTML sniff for `.txt`). */
export function markupOf(fileName: string, text: string): Markup {
  const base = baseName(fileName).toLowerCase();
  if (/\.(adoc|asciidoc|asc)$/.test(base)) return 'asciidoc';
  if (/\.(html?|xhtml)$/.test(base) || /^\s*<(!doctype html|html)/i.test(text.slice(0, 200))) return 'html';
  if (/\.(md|markdown|mdown)$/.test(base) || /^readme$/.test(base)) return 'markdown';
  return 'text';
}

/**
 * Parses a write-up: every hash, package name, domain, URL, IP and e-mail address in it (refanged;
 * obvious non-indicators rejected with the reason, listed in `skipped`). Family from the context,
 * the title, the file name or the folder; the links of the document are its reference.
 */
export function parseWriteup(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  if (text.length > MAX_WRITEUP_CHARS)
    throw new IntelParseError(
      fileName,
      `a write-up larger than ${MAX_WRITEUP_CHARS} characters; give its indicator lists (hash, IP, domain files) instead`,
    );
  const extracted = extractFromText(text, markupOf(fileName, text));
  const attribution = attribute(fileName, options, extracted.title, text.slice(0, 4000));
  const feed = emptyFeed(feedId(options, 'report', attribution, fileName), 'ioc-text', fileName);
  const reference = attribution.reference ?? extracted.references.find((r) => /^https?:\/\//i.test(r));
  const out = new IndicatorCollector();
  for (const item of extracted.indicators) {
    const prov = provenance(feed.feed, attribution.category, {
      family: attribution.family,
      reference,
      source: sourceOf(fileName, item.line),
    });
    out.addNormalized(item.kind, item.value, prov);
  }
  for (const item of extracted.rejected)
    feed.skipped.push(`line ${item.line}: ${item.value}: ${item.reason}`);
  return finish(feed, out, attribution);
}

/** The hash kind a list's file name declares (`x.sha256`, `sha1.txt`, `md5sums`), if any. */
export function declaredHashKind(fileName: string): IndicatorKind | undefined {
  const base = baseName(fileName).toLowerCase();
  if (/(^|[._-])sha-?256(sums?)?(\.txt)?$/.test(base)) return 'file-sha256';
  if (/(^|[._-])sha-?1(sums?)?(\.txt)?$/.test(base)) return 'file-sha1';
  if (/(^|[._-])md5(sums?)?(\.txt)?$/.test(base)) return 'file-md5';
  return undefined;
}

/**
 * Parses a hash list: one hash per line, optionally followed by a file name (`sha256sum` output)
 * or after a `sha256:` prefix; `#` comments. The kind is the file name's (`.md5`, `.sha1`,
 * `.sha256`) or, for `hashes.txt`, each hash's length; a hash of another length is skipped with
 * the reason. A file where most lines are not hashes is an error naming the first.
 */
export function parseHashList(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const declared = declaredHashKind(fileName);
  const attribution = attribute(fileName, options);
  const feed = emptyFeed(feedId(options, 'hashes', attribution, fileName), 'hash-list', fileName);
  const out = new IndicatorCollector();
  let invalid = 0;
  let firstInvalid = 0;
  splitLines(text).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return;
    const token = (line.split(/[\s,;]+/)[0] ?? '').replace(/^(md5|sha-?1|sha-?256)[:=]/i, '');
    const kind = hashKindOf(token);
    if (kind === undefined || (declared !== undefined && kind !== declared)) {
      feed.skipped.push(
        `line ${i + 1}: ${kind === undefined ? 'not a hash' : `a ${kind.slice(5).toUpperCase()} in a ${declared?.slice(5).toUpperCase()} list`}: ${line.slice(0, 100)}`,
      );
      invalid++;
      if (firstInvalid === 0) firstInvalid = i + 1;
      return;
    }
    const prov = provenance(feed.feed, attribution.category, {
      family: attribution.family,
      reference: attribution.reference,
      source: sourceOf(fileName, i + 1),
    });
    out.add(kind, token, prov, `line ${i + 1}`);
  });
  if (invalid > 0 && invalid >= out.records.length)
    throw new IntelParseError(
      fileName,
      `${invalid} of ${invalid + out.records.length} lines are not hashes`,
      {
        line: firstInvalid,
      },
    );
  return finish(feed, out, attribution);
}

/**
 * Parses an IP list (`ips.txt`, `c2-ips.txt`): one address per line, optionally `:port` or a
 * comment after it; private, reserved and documentation addresses are skipped with the reason.
 */
export function parseIpList(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const attribution = attribute(fileName, options);
  const feed = emptyFeed(feedId(options, 'ips', attribution, fileName), 'ip-list', fileName);
  const out = new IndicatorCollector();
  let invalid = 0;
  let firstInvalid = 0;
  splitLines(text).forEach((raw, i) => {
    const line = raw
      .replace(/^\uFEFF/, '')
      .replace(/\s+#.*$/, '')
      .trim();
    if (line === '' || line.startsWith('#')) return;
    const token = line.split(/[\s,;]+/)[0] ?? '';
    const found = classifyToken(token.replace(/\[\.\]|\(\.\)/g, '.'), {
      defanged: false,
      line: '',
      publishers: new Set(),
    });
    if (found === undefined || ('kind' in found && found.kind !== 'ip')) {
      feed.skipped.push(`line ${i + 1}: not an IP address: ${line.slice(0, 100)}`);
      invalid++;
      if (firstInvalid === 0) firstInvalid = i + 1;
      return;
    }
    if ('rejected' in found) {
      feed.skipped.push(`line ${i + 1}: ${found.value}: ${found.rejected}`);
      return;
    }
    const prov = provenance(feed.feed, attribution.category === 'malware' ? 'c2' : attribution.category, {
      family: attribution.family,
      reference: attribution.reference,
      source: sourceOf(fileName, i + 1),
    });
    out.addNormalized('ip', found.value, prov);
  });
  if (invalid > 0 && invalid >= out.records.length)
    throw new IntelParseError(
      fileName,
      `${invalid} of ${invalid + out.records.length} lines are not IP addresses`,
      {
        line: firstInvalid,
      },
    );
  return finish(feed, out, attribution);
}

/** Indicator kinds of the type names used by vendor sheets and MISP attribute types. */
const TYPE_KINDS: Readonly<Record<string, IndicatorKind | 'hash' | 'package-or-file' | 'url-host'>> = {
  md5: 'file-md5',
  sha1: 'file-sha1',
  'sha-1': 'file-sha1',
  sha256: 'file-sha256',
  'sha-256': 'file-sha256',
  hash: 'hash',
  filehash: 'hash',
  domain: 'domain',
  hostname: 'domain',
  host: 'domain',
  domain_port: 'domain',
  'domain|ip': 'domain',
  fqdn: 'domain',
  'ip-dst': 'ip',
  'ip-src': 'ip',
  'ip-dst|port': 'ip',
  'ip-src|port': 'ip',
  ip: 'ip',
  ipv4: 'ip',
  ipv6: 'ip',
  ip_port: 'ip',
  url: 'url-host',
  url_path: 'url-host',
  uri: 'url-host',
  email: 'email',
  'email-src': 'email',
  'email-dst': 'email',
  'package-name': 'app-id',
  package: 'app-id',
  package_name: 'app-id',
  filename: 'package-or-file',
  certificate_serial: 'cert-sha1',
  'x509-fingerprint-sha1': 'cert-sha1',
  'x509-fingerprint-sha256': 'cert-sha256',
};

/** Header names of a CSV with its own columns, by what they hold. */
const COLUMN_KINDS: Readonly<Record<string, IndicatorKind | 'hash'>> = {
  sha256: 'file-sha256',
  'sha-256': 'file-sha256',
  sha1: 'file-sha1',
  'sha-1': 'file-sha1',
  md5: 'file-md5',
  hash: 'hash',
  'file hash': 'hash',
  filehash: 'hash',
  package: 'app-id',
  'package name': 'app-id',
  package_name: 'app-id',
  packagename: 'app-id',
  'app id': 'app-id',
  domain: 'domain',
  c2: 'domain',
  'c2 domain': 'domain',
  ip: 'ip',
  'ip address': 'ip',
};

/** The shape of a CSV with a header of its own: which columns say what. */
interface CsvShape {
  readonly type?: number;
  readonly value?: number;
  readonly note?: number;
  readonly toIds?: number;
  readonly columns: ReadonlyArray<readonly [number, IndicatorKind | 'hash']>;
}

/** Header cells of a CSV line, lower-cased, BOM and quotes removed. */
function headerCells(line: string): string[] {
  return splitCsvLine(line.replace(/^\uFEFF/, '')).map((c) => c.trim().toLowerCase().replace(/^"|"$/g, ''));
}

/** The CSV shape of a header line, or `undefined` when it has neither a type/value pair nor a hash column. */
export function csvShapeOf(firstLine: string): CsvShape | undefined {
  const cells = headerCells(firstLine);
  const index = (names: readonly string[]) => {
    const i = cells.findIndex((c) => names.includes(c));
    return i === -1 ? undefined : i;
  };
  const type = index(['indicator_type', 'indicator type', 'type', 'ioc_type', 'ioc type', 'kind']);
  const value = index(['data', 'value', 'indicator', 'ioc', 'ioc_value', 'observable']);
  const note = index(['notes', 'note', 'comment', 'comments', 'description']);
  const toIds = index(['to_ids']);
  const columns = cells.flatMap((cell, i) => {
    const kind = COLUMN_KINDS[cell];
    return kind === undefined || i === type || i === value ? [] : [[i, kind] as const];
  });
  if (type !== undefined && value !== undefined) {
    const shape: { -readonly [K in keyof CsvShape]: CsvShape[K] } = { type, value, columns: [] };
    if (note !== undefined) shape.note = note;
    if (toIds !== undefined) shape.toIds = toIds;
    return shape;
  }
  return columns.some(([, kind]) => kind === 'hash' || kind.startsWith('file-')) ? { columns } : undefined;
}

/** Package names in a note (`Pakistan Citizen Portal (com.govpk.citizensportal)`, `app.lite.bot`). */
function packagesIn(note: string): string[] {
  const out: string[] = [];
  for (const token of note.split(/[\s()[\],;"]+/)) {
    const found = classifyToken(token.replace(/[.:]+$/, ''), {
      defanged: false,
      line: 'package',
      publishers: new Set(),
    });
    if (found !== undefined && 'kind' in found && found.kind === 'app-id') out.push(found.value);
  }
  return out;
}

/**
 * Parses a CSV with a header of its own: a vendor sheet (`Indicator_type,Data,Notes`: a
 * `Description` row names the report and family, SHA-256 rows carry the package name in the note),
 * a MISP CSV export (`uuid,event_id,category,type,value,comment,to_ids,date`; rows with `to_ids` 0
 * are context, skipped with the reason), or a sheet with hash / package / domain / IP columns.
 * Values are refanged; rejected values and unknown types are listed in `skipped`.
 */
export function parseIocCsv(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const lines = splitLines(text);
  const shape = csvShapeOf(lines[0] ?? '');
  if (shape === undefined)
    throw new IntelParseError(
      fileName,
      'no indicator type / value columns and no hash column in the header',
      {
        line: 1,
      },
    );
  // A `Description` row (vendor sheets) names the campaign and its report.
  let description: string | undefined;
  let reference = options.context?.reference;
  if (shape.type !== undefined && shape.value !== undefined) {
    for (const line of lines.slice(1, 20)) {
      const cells = splitCsvLine(line);
      if ((cells[shape.type] ?? '').trim().toLowerCase() !== 'description') continue;
      description = cells[shape.value]?.trim();
      reference ??= cells.find((c) => /^https?:\/\//i.test(c.trim()))?.trim();
    }
  }
  const attribution = attribute(fileName, options, description, reference ?? '');
  const feed = emptyFeed(feedId(options, 'sheet', attribution, fileName), 'ioc-csv', fileName);
  const out = new IndicatorCollector();
  const ctx = { defanged: false, line: '', publishers: new Set<string>() };
  lines.slice(1).forEach((line, i) => {
    const lineNo = i + 2;
    if (line.trim() === '') return;
    const cells = splitCsvLine(line).map((c) => c.trim());
    const prov = provenance(feed.feed, attribution.category, {
      family: attribution.family,
      reference,
      source: sourceOf(fileName, lineNo),
    });
    const take = (kind: IndicatorKind | 'hash' | 'package-or-file' | 'url-host', raw: string, note: string) =>
      addCell(out, feed.skipped, kind, raw, note, prov, lineNo, ctx);
    if (shape.type !== undefined && shape.value !== undefined) {
      const type = (cells[shape.type] ?? '').toLowerCase();
      const raw = cells[shape.value] ?? '';
      if (type === 'description' || raw === '') return;
      if (shape.toIds !== undefined && cells[shape.toIds] === '0') {
        feed.skipped.push(
          `line ${lineNo}: ${type} ${raw.slice(0, 80)}: to_ids is 0 (context, not for detection)`,
        );
        return;
      }
      const kind = TYPE_KINDS[type];
      if (kind === undefined) {
        feed.skipped.push(
          `line ${lineNo}: type ${type || '(empty)'} is not an indicator kind Riskgate matches`,
        );
        return;
      }
      const note = shape.note === undefined ? '' : (cells[shape.note] ?? '');
      take(kind, raw, note);
      // Vendor sheets give an APK's package name in the note of its hash row.
      if (kind === 'hash' || kind.startsWith('file-'))
        for (const id of packagesIn(note)) out.addNormalized('app-id', id, prov);
      return;
    }
    for (const [column, kind] of shape.columns) {
      const raw = cells[column] ?? '';
      if (raw !== '') take(kind, raw, '');
    }
  });
  return finish(feed, out, attribution);
}

/** Adds one cell's value as its kind (refanged; rejected values listed with the reason). */
function addCell(
  out: IndicatorCollector,
  skipped: string[],
  kind: IndicatorKind | 'hash' | 'package-or-file' | 'url-host',
  raw: string,
  note: string,
  prov: ReturnType<typeof provenance>,
  lineNo: number,
  ctx: { defanged: boolean; line: string; publishers: Set<string> },
): void {
  const where = `line ${lineNo}`;
  const value = raw.replace(/^\uFEFF/, '').trim();
  if (kind === 'hash' || kind === 'file-md5' || kind === 'file-sha1' || kind === 'file-sha256') {
    const byLength = hashKindOf(value);
    if (byLength === undefined || (kind !== 'hash' && byLength !== kind)) {
      skipped.push(
        `${where}: not a ${kind === 'hash' ? 'hash' : kind.slice(5).toUpperCase()}: ${value.slice(0, 100)}`,
      );
      return;
    }
    out.add(byLength, value, prov, where);
    return;
  }
  if (kind === 'cert-sha1' || kind === 'cert-sha256') {
    // Vendor sheets list signer fingerprints as `certificate_serial`: a 40-hex value is indexed as a
    // signer SHA-1 (a true serial would never equal a fingerprint, so a wrong guess matches nothing).
    const hex = normalizeHex(value, kind === 'cert-sha1' ? 40 : 64);
    if (hex === undefined) skipped.push(`${where}: not a certificate fingerprint: ${value.slice(0, 100)}`);
    else out.addNormalized(kind, hex, prov);
    return;
  }
  if (kind === 'package-or-file') {
    const found = classifyToken(value, { ...ctx, line: `package ${note.toLowerCase()}` });
    if (found !== undefined && 'kind' in found && found.kind === 'app-id')
      out.addNormalized('app-id', found.value, prov);
    else
      skipped.push(
        `${where}: file name ${value.slice(0, 100)}: not a package name; file names are not matched`,
      );
    return;
  }
  if (kind === 'app-id') {
    out.add('app-id', value, prov, where);
    return;
  }
  // Domains, IPs, URLs and e-mail addresses go through the same rules as text (refanging, rejection).
  const defanged = value
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, '.')
    .replace(/^hxxp/i, 'http')
    .replace(/\[:\]/g, ':');
  if (kind === 'url-host' && value.startsWith('/')) {
    skipped.push(`${where}: path-only URL ${value.slice(0, 100)}: needs the full request, not a host`);
    return;
  }
  const text =
    kind === 'domain' || kind === 'ip' ? (defanged.replace(/:\d{1,5}$/, '').split('|')[0] ?? '') : defanged;
  const candidate = kind === 'url-host' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? `http://${text}` : text;
  const found = classifyToken(candidate, { ...ctx, defanged: defanged !== value });
  if (found === undefined) {
    skipped.push(`${where}: not a valid ${kind === 'url-host' ? 'url' : kind}: ${value.slice(0, 100)}`);
    return;
  }
  if ('rejected' in found) {
    skipped.push(`${where}: ${found.value}: ${found.rejected}`);
    return;
  }
  // The sheet says what the value is: a `domain` cell shaped like a package name is still a domain.
  const expected = kind === 'url-host' ? ['url', 'domain', 'ip'] : [kind];
  if (!expected.includes(found.kind)) {
    const domain = kind === 'domain' ? normalizeDomain(text) : undefined;
    const bad = domain === undefined ? undefined : rejectDomain(domain, ctx);
    if (domain !== undefined && bad === undefined) out.addNormalized('domain', domain, prov);
    else skipped.push(`${where}: ${value.slice(0, 100)}: ${bad?.reason ?? `not a valid ${kind}`}`);
    return;
  }
  out.addNormalized(found.kind, found.value, prov);
  if (found.kind === 'url' && found.host !== undefined) {
    const hostIsIp = rejectIp(found.host) === undefined && /^[\d.]+$|:/.test(found.host);
    out.addNormalized(hostIsIp ? 'ip' : 'domain', found.host, prov);
  }
}
