import { createHash } from 'node:crypto';
import { IntelParseError } from '../errors.ts';
import { normalizeDomain, normalizeIp } from '../normalize.ts';
import type { IntelFormat, ParsedFeed, ParseOptions } from '../types.ts';
import { parseAppleSecurityReleases, parseSofaIos } from './apple.ts';
import { baseName } from './common.ts';
import { parseEolProduct, parseEolReleaseData } from './end-of-life.ts';
import {
  csvShapeOf,
  declaredHashKind,
  parseHashList,
  parseIocCsv,
  parseIpList,
  parseWriteup,
} from './ioc-files.ts';
import { hashKindOf, isFileNameLine } from './ioc-rules.ts';
import { MVT_LIST_KINDS, parseDomainList, parseMaltrail, parseMvtList } from './lists.ts';
import { parseMisp } from './misp.ts';
import { parseStalkerwareNetwork, parseStalkerwareSamples, parseStalkerwareYaml } from './stalkerware.ts';
import { parseStix } from './stix.ts';
import { parseCve5, parseKev, parseOsv } from './vulnerabilities.ts';

/** A parser: pure, from a file's text and name to what it holds. */
export type IntelParser = (text: string, fileName: string, options?: ParseOptions) => ParsedFeed;

/** The parser of each format. */
export const PARSERS: Readonly<Record<IntelFormat, IntelParser>> = {
  'stalkerware-yaml': parseStalkerwareYaml,
  'stalkerware-samples-csv': parseStalkerwareSamples,
  'stalkerware-network-csv': parseStalkerwareNetwork,
  stix2: parseStix,
  'mvt-list': parseMvtList,
  maltrail: parseMaltrail,
  'domain-list': parseDomainList,
  'cisa-kev': parseKev,
  osv: parseOsv,
  cve5: parseCve5,
  'sofa-ios': parseSofaIos,
  'sofa-apple-releases': parseAppleSecurityReleases,
  'eol-product': parseEolProduct,
  'eol-release-data': parseEolReleaseData,
  'ioc-text': parseWriteup,
  'hash-list': parseHashList,
  'ip-list': parseIpList,
  'ioc-csv': parseIocCsv,
  misp: parseMisp,
};

function detectJson(head: string): IntelFormat | undefined {
  if (/"\$schema"\s*:/.test(head) && /"properties"\s*:/.test(head)) return undefined;
  if (/"type"\s*:\s*"bundle"/.test(head)) return 'stix2';
  // A MISP event (feed event file) or a REST export of events.
  if (/^[\s[]*\{\s*"(Event|response)"\s*:/.test(head) && /"Event"\s*:\s*\{/.test(head)) return 'misp';
  if (/"catalogVersion"\s*:/.test(head) || (/"vulnerabilities"\s*:/.test(head) && /"cveID"\s*:/.test(head)))
    return 'cisa-kev';
  if (/"OSVersions"\s*:/.test(head)) return 'sofa-ios';
  if (/"os_type"\s*:/.test(head) && /"releases"\s*:/.test(head)) return 'sofa-apple-releases';
  if (/"dataType"\s*:\s*"CVE_RECORD"/.test(head)) return 'cve5';
  if (/"affected"\s*:/.test(head) && /"ecosystem"\s*:/.test(head)) return 'osv';
  if (/"releases"\s*:/.test(head) && /"versions"\s*:/.test(head)) return 'eol-release-data';
  return undefined;
}

/** The first non-comment lines of a list file (up to 50). */
function firstLines(text: string): string[] {
  return text
    .slice(0, 8192)
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))
    .slice(0, 50);
}

/** Whether most of the first non-comment lines look like domains (a blocklist); file names do not count. */
function looksLikeDomainList(text: string): boolean {
  const lines = firstLines(text);
  if (lines.length === 0) return false;
  const domains = lines.filter((l) => {
    const host = l.replace(/^(0\.0\.0\.0|127\.0\.0\.1)\s+/, '').replace(/^\|\||\^$/g, '');
    return !isFileNameLine(host, true) && normalizeDomain(host) !== undefined;
  });
  return domains.length * 2 > lines.length;
}

/** Whether most of the first lines are IP addresses (optionally `:port` or a comment after). */
function looksLikeIpList(text: string): boolean {
  const lines = firstLines(text);
  const ips = lines.filter((l) => {
    // One address per line, maybe with a comment after: a hosts-file line (`0.0.0.0 name`) is not one.
    const entry =
      l
        .replace(/\s+#.*$/, '')
        .split(/[,;]/)[0]
        ?.trim() ?? '';
    if (/\s/.test(entry)) return false;
    const token = entry.replace(/\[\.\]/g, '.');
    return normalizeIp(token) !== undefined || normalizeIp(token.replace(/:\d{1,5}$/, '')) !== undefined;
  });
  return lines.length > 0 && ips.length * 2 > lines.length;
}

/** Whether most of the first lines start with a hash (`sha256sum` output, one hash per line). */
function looksLikeHashList(text: string): boolean {
  const lines = firstLines(text);
  const hashes = lines.filter(
    (l) => hashKindOf((l.split(/[\s,;]+/)[0] ?? '').replace(/^(md5|sha-?1|sha-?256)[:=]/i, '')) !== undefined,
  );
  return lines.length > 0 && hashes.length * 2 > lines.length;
}

/**
 * Text that presents itself as indicators: a heading or line starting "IOCs" / "Indicators of
 * Compromise", or defanged values. Other documents (a data folder's SOURCES.md, a CHANGELOG) are
 * not read for indicators unless given by name or called README.
 */
function looksLikeWriteup(text: string): boolean {
  const head = text.slice(0, 65536);
  return (
    /^[\s#=*<>/"\d.]*(iocs?|indicators of compromise)\b/im.test(head) ||
    /\[\.\]|\(\.\)|\bhxxps?(:|\[:\])/i.test(head)
  );
}

const WRITEUP_EXTENSIONS = /\.(md|markdown|mdown|adoc|asciidoc|asc|html?|xhtml|rst)$/;
const IP_LIST_NAMES =
  /^(ips?|ip[-_]?list|ip[-_]?addresses|ipv[46]|c2[-_]?ips?|[a-z0-9_-]*[-_]ips)\.(txt|list|csv)$/;

/**
 * Detects the intel format of a file from its name and content; `undefined` for files that are not
 * intel (LICENSE, README, JSON schemas, MVT's `indicators.yaml` index, MITRE ATT&CK…).
 */
export function detectFormat(fileName: string, text: string): IntelFormat | undefined {
  const base = baseName(fileName).toLowerCase();
  if (/^(license|licence|notice|copying)(\b|[.-])/i.test(base) || /schema\.json$/.test(base))
    return undefined;
  // A README is a write-up: the loader skips one beside a STIX bundle (the bundle holds the same).
  if (/^readme(\.(md|markdown|txt|adoc|asciidoc|html?|rst))?$/.test(base)) return 'ioc-text';
  const head = text.slice(0, 65536).replace(/^\uFEFF/, '');
  const trimmed = head.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const format = detectJson(head);
    // MITRE ATT&CK is a STIX bundle without indicators: not intel for the index.
    if (format === 'stix2' && !/"type"\s*:\s*"indicator"/.test(text)) return undefined;
    return format;
  }
  const firstLine = (head.split(/\r?\n/)[0] ?? '').trim().toLowerCase();
  if (base.endsWith('.csv')) {
    if (firstLine.startsWith('sha256,package name,certificate')) return 'stalkerware-samples-csv';
    if (firstLine === 'type,indicator,app') return 'stalkerware-network-csv';
    if (csvShapeOf(firstLine) !== undefined) return 'ioc-csv';
    if (IP_LIST_NAMES.test(base) && looksLikeIpList(head)) return 'ip-list';
    return undefined;
  }
  if (/\.(ya?ml|md)$/.test(base)) {
    if (/^- name:/m.test(head) && /^\s+(packages|certificates|websites|c2|ios_bundles):/m.test(head))
      return 'stalkerware-yaml';
    if (/^releases:/m.test(text) && /releaseCycle:/.test(text)) return 'eol-product';
    if (base.endsWith('.md') && looksLikeWriteup(text)) return 'ioc-text';
    return undefined;
  }
  if (WRITEUP_EXTENSIONS.test(base)) return looksLikeWriteup(text) ? 'ioc-text' : undefined;
  if (MVT_LIST_KINDS[base] !== undefined) return 'mvt-list';
  if (/\.(md5|sha-?1|sha-?256)$/.test(base) || /^(md5|sha-?1|sha-?256)sums?$/.test(base)) return 'hash-list';
  if (/^(android|ios)_[a-z0-9_.-]+\.txt$/.test(base) || /maltrail/i.test(head.slice(0, 300)))
    return 'maltrail';
  if (base === 'hosts' || base.endsWith('.txt') || base.endsWith('.list') || !base.includes('.')) {
    if (IP_LIST_NAMES.test(base) || looksLikeIpList(head)) return 'ip-list';
    if ((declaredHashKind(base) !== undefined || /hash/.test(base)) && looksLikeHashList(head))
      return 'hash-list';
    if (looksLikeDomainList(head)) return 'domain-list';
    if (looksLikeHashList(head)) return 'hash-list';
    if (base.endsWith('.txt') && looksLikeWriteup(text)) return 'ioc-text';
    return undefined;
  }
  return undefined;
}

/**
 * Detects the format (unless given) and parses. Throws `IntelParseError` naming the file for
 * unknown formats and broken content.
 */
export function parseIntelFile(
  text: string,
  fileName: string,
  options: ParseOptions & { format?: IntelFormat } = {},
): ParsedFeed {
  const format = options.format ?? detectFormat(fileName, text);
  if (format === undefined) throw new IntelParseError(fileName, 'unknown intel format');
  const feed = PARSERS[format](text, fileName, options);
  const digest = createHash('sha256').update(text).digest('hex');
  return options.context === undefined ? { ...feed, digest } : { ...feed, digest, context: options.context };
}
