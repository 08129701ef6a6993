import { createHash } from 'node:crypto';
import { IntelParseError } from '../errors.ts';
import { normalizeDomain } from '../normalize.ts';
import type { IntelFormat, ParsedFeed, ParseOptions } from '../types.ts';
import { parseAppleSecurityReleases, parseSofaIos } from './apple.ts';
import { baseName } from './common.ts';
import { parseEolProduct, parseEolReleaseData } from './end-of-life.ts';
import { MVT_LIST_KINDS, parseDomainList, parseMaltrail, parseMvtList } from './lists.ts';
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
};

function detectJson(head: string): IntelFormat | undefined {
  if (/"\$schema"\s*:/.test(head) && /"properties"\s*:/.test(head)) return undefined;
  if (/"type"\s*:\s*"bundle"/.test(head)) return 'stix2';
  if (/"catalogVersion"\s*:/.test(head) || (/"vulnerabilities"\s*:/.test(head) && /"cveID"\s*:/.test(head)))
    return 'cisa-kev';
  if (/"OSVersions"\s*:/.test(head)) return 'sofa-ios';
  if (/"os_type"\s*:/.test(head) && /"releases"\s*:/.test(head)) return 'sofa-apple-releases';
  if (/"dataType"\s*:\s*"CVE_RECORD"/.test(head)) return 'cve5';
  if (/"affected"\s*:/.test(head) && /"ecosystem"\s*:/.test(head)) return 'osv';
  if (/"releases"\s*:/.test(head) && /"versions"\s*:/.test(head)) return 'eol-release-data';
  return undefined;
}

/** Whether most of the first non-comment lines look like domains (a blocklist). */
function looksLikeDomainList(text: string): boolean {
  const lines = text
    .slice(0, 8192)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))
    .slice(0, 50);
  if (lines.length === 0) return false;
  const domains = lines.filter(
    (l) =>
      normalizeDomain(l.replace(/^(0\.0\.0\.0|127\.0\.0\.1)\s+/, '').replace(/^\|\||\^$/g, '')) !== undefined,
  );
  return domains.length * 2 > lines.length;
}

/**
 * Detects the intel format of a file from its name and content; `undefined` for files that are not
 * intel (LICENSE, README, JSON schemas, MVT's `indicators.yaml` index, MITRE ATT&CK…).
 */
export function detectFormat(fileName: string, text: string): IntelFormat | undefined {
  const base = baseName(fileName).toLowerCase();
  if (/^(license|licence|readme|notice|copying)(\b|[.-])/i.test(base) || /schema\.json$/.test(base))
    return undefined;
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
    return undefined;
  }
  if (/\.(ya?ml|md)$/.test(base)) {
    if (/^- name:/m.test(head) && /^\s+(packages|certificates|websites|c2|ios_bundles):/m.test(head))
      return 'stalkerware-yaml';
    if (/^releases:/m.test(text) && /releaseCycle:/.test(text)) return 'eol-product';
    return undefined;
  }
  if (MVT_LIST_KINDS[base] !== undefined) return 'mvt-list';
  if (/^(android|ios)_[a-z0-9_.-]+\.txt$/.test(base) || /maltrail/i.test(head.slice(0, 300)))
    return 'maltrail';
  if (base === 'hosts' || base.endsWith('.txt') || base.endsWith('.list') || !base.includes('.')) {
    return looksLikeDomainList(head) ? 'domain-list' : undefined;
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
  return { ...feed, digest: createHash('sha256').update(text).digest('hex') };
}
