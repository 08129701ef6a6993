import type { IndicatorCategory, IndicatorKind } from '../../types.ts';
import { IntelParseError, isRecord, parseJson, str, strArray } from '../errors.ts';
import { emptyFeed, type ParsedFeed, type ParseOptions } from '../types.ts';
import { baseName, IndicatorCollector, provenance } from './common.ts';

/**
 * Maps a STIX object path (`app:id`, `file:hashes.'SHA-256'`…) to an indicator kind. Covers the
 * MVT pattern variants; `undefined` for paths the index has no kind for (e.g. MD5 hashes).
 */
export function stixPathKind(objectPath: string): IndicatorKind | undefined {
  const path = objectPath.replace(/'/g, '').toLowerCase();
  switch (path) {
    case 'app:id':
      return 'app-id';
    case 'app:cert.sha1':
      return 'cert-sha1';
    case 'app:cert.sha256':
      return 'cert-sha256';
    case 'file:hashes.sha256':
    case 'file:hashes.sha-256':
      return 'file-sha256';
    case 'domain-name:value':
      return 'domain';
    case 'ipv4-addr:value':
    case 'ipv6-addr:value':
      return 'ip';
    case 'url:value':
      return 'url';
    case 'process:name':
      return 'process';
    case 'configuration-profile:id':
      return 'profile-id';
    case 'android-property:name':
      return 'android-property';
    case 'email-addr:value':
      return 'email';
    case 'file:path':
      return 'file-path';
    case 'file:name':
      return 'file-name';
    default:
      return undefined;
  }
}

const COMPARISON = /([a-z0-9-]+:[A-Za-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'/g;

/**
 * Splits a STIX pattern into its `path = 'value'` comparisons. Only patterns whose comparisons are
 * joined by OR (as MVT and stalkerware-indicators write them) are supported: with AND / FOLLOWEDBY
 * the comparisons do not each identify the threat, so `undefined` is returned.
 */
export function splitStixPattern(pattern: string): Array<{ path: string; value: string }> | undefined {
  const outside = pattern.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  if (/\b(AND|FOLLOWEDBY|MATCHES|LIKE|NOT|IN|ISSUBSET|ISSUPERSET)\b|!=|<|>/.test(outside)) return undefined;
  const out: Array<{ path: string; value: string }> = [];
  for (const match of pattern.matchAll(COMPARISON)) {
    out.push({ path: match[1] ?? '', value: (match[2] ?? '').replace(/\\(.)/g, '$1') });
  }
  return out.length === 0 ? undefined : out;
}

const MALWARE_TYPES: Readonly<Record<string, IndicatorCategory>> = {
  spyware: 'spyware',
  trojan: 'trojan',
  'remote-access-trojan': 'trojan',
  adware: 'adware',
  ransomware: 'malware',
  backdoor: 'malware',
  bot: 'malware',
  rootkit: 'root-enabler',
  'exploit-kit': 'malware',
  stalkerware: 'stalkerware',
};

interface Family {
  readonly name: string;
  readonly category: IndicatorCategory;
  readonly reference?: string;
}

function firstReference(object: Record<string, unknown>): string | undefined {
  const refs = object.external_references;
  if (!Array.isArray(refs)) return undefined;
  for (const ref of refs) if (isRecord(ref) && typeof ref.url === 'string') return ref.url;
  return undefined;
}

/**
 * Parses a STIX 2.1 bundle: `indicator` objects with single-comparison (or OR-joined) patterns,
 * attributed to the `malware` they `indicates`. Category: the malware's `malware_types`, else
 * `stalkerware` for the stalkerware-indicators bundle, else `spyware` (MVT's mercenary spyware).
 */
export function parseStix(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const data = parseJson(text, fileName);
  if (!isRecord(data) || data.type !== 'bundle' || !Array.isArray(data.objects)) {
    throw new IntelParseError(fileName, 'not a STIX bundle (expected {"type":"bundle","objects":[…]})', {
      line: 1,
    });
  }
  const objects: unknown[] = data.objects;
  const isStalkerware = /stalkerware/i.test(fileName);
  const families = new Map<string, Family>();
  const indicates = new Map<string, string>();
  objects.forEach((object, index) => {
    if (!isRecord(object) || typeof object.type !== 'string' || typeof object.id !== 'string') {
      throw new IntelParseError(fileName, 'object without type or id', { object: `objects[${index}]` });
    }
    if (object.type === 'malware') {
      const name = str(object, 'name') ?? object.id;
      const types = strArray(object, 'malware_types');
      const described = /stalkerware/i.test(str(object, 'description') ?? '');
      const category =
        types.map((t) => MALWARE_TYPES[t]).find((c) => c !== undefined) ??
        (isStalkerware || described ? 'stalkerware' : 'spyware');
      families.set(object.id, { name, category, reference: firstReference(object) });
    } else if (object.type === 'relationship' && object.relationship_type === 'indicates') {
      const source = str(object, 'source_ref');
      const target = str(object, 'target_ref');
      if (source !== undefined && target !== undefined) indicates.set(source, target);
    }
  });
  const firstFamily = families.values().next().value;
  const feedId =
    options.feed ??
    (isStalkerware
      ? 'stalkerware-indicators'
      : /mvt/i.test(fileName) && firstFamily !== undefined
        ? `mvt:${firstFamily.name}`
        : `stix:${baseName(fileName).replace(/\.[^.]+$/, '')}`);
  const feed = emptyFeed(feedId, 'stix2', fileName);
  const out = new IndicatorCollector();
  objects.forEach((object, index) => {
    if (!isRecord(object) || object.type !== 'indicator') return;
    const where = `objects[${index}] ${String(object.id)}`;
    const pattern = object.pattern;
    if (typeof pattern !== 'string')
      throw new IntelParseError(fileName, 'indicator without a pattern', { object: where });
    if (object.pattern_type !== undefined && object.pattern_type !== 'stix') {
      feed.skipped.push(`${where}: pattern_type ${String(object.pattern_type)} not supported`);
      return;
    }
    const comparisons = splitStixPattern(pattern);
    if (comparisons === undefined) {
      feed.skipped.push(`${where}: pattern not supported: ${pattern.slice(0, 120)}`);
      return;
    }
    const target = indicates.get(String(object.id));
    const family =
      (target === undefined ? undefined : families.get(target)) ??
      (families.size === 1 ? firstFamily : undefined);
    const prov = provenance(feed.feed, family?.category ?? (isStalkerware ? 'stalkerware' : 'spyware'), {
      family: family?.name,
      reference: firstReference(object) ?? family?.reference,
      source: String(object.id),
    });
    for (const { path, value } of comparisons) {
      const kind = stixPathKind(path);
      if (kind === undefined) feed.skipped.push(`${where}: object path ${path} not supported`);
      else out.add(kind, value, prov, where);
    }
  });
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}
