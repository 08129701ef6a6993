import type { IndicatorCategory, IndicatorKind } from '../../types.ts';
import { IntelParseError, isRecord, parseJson, str } from '../errors.ts';
import { emptyFeed, type ParsedFeed, type ParseOptions } from '../types.ts';
import { baseName, IndicatorCollector, provenance } from './common.ts';

/**
 * MISP events as MISP publishes them: a feed's event files (`<uuid>.json`, `{"Event": {…}}`, what
 * MISP's default feeds and PyMISP's feed generator write beside `manifest.json`), a REST search
 * export (`{"response": [{"Event": {…}}]}`) or an array of either.
 *
 * The rules (docs/intel.md, "MISP"):
 * - An attribute is an indicator only when its `to_ids` flag is set; the others are context (MISP's
 *   own meaning: "to be used by intrusion detection systems"). One exception: the `appid` of an
 *   `android-app` object is MISP type `text`, which MISP never flags for IDS, so it is an indicator
 *   when any other attribute of the same object is (the object as a whole is meant for detection).
 * - Deleted attributes and objects (`deleted: true`) are skipped.
 * - `link` attributes give the reference; `text`, `comment`, `other`, `filename` are context.
 * - The family comes from a galaxy (`misp-galaxy:malpedia="…"`, `android`, `mitre-malware`,
 *   `mitre-mobile-attack-malware`, `tool`, `threat-actor`; a `Galaxy` cluster) and else from the
 *   event `info` (the campaign). The category from tags and the info (spyware, stalkerware,
 *   banking, adware, phishing…), else `malware`.
 * - Every skipped attribute is listed in `skipped` with why.
 */

/** Indicator kind of each MISP attribute type (composite `a|b` types handled separately). */
const TYPE_KIND: Readonly<Record<string, IndicatorKind>> = {
  md5: 'file-md5',
  sha1: 'file-sha1',
  sha256: 'file-sha256',
  domain: 'domain',
  hostname: 'domain',
  'ip-dst': 'ip',
  'ip-src': 'ip',
  url: 'url',
  'email-src': 'email',
  'email-dst': 'email',
  email: 'email',
  'x509-fingerprint-sha1': 'cert-sha1',
  'x509-fingerprint-sha256': 'cert-sha256',
  'mobile-application-id': 'app-id',
};

/** Types that never carry an indicator the index holds: context, named in the skip reason. */
const CONTEXT_TYPES: ReadonlySet<string> = new Set([
  'text',
  'comment',
  'other',
  'filename',
  'datetime',
  'port',
  'size-in-bytes',
]);

/** Relations of MISP objects whose kind is not their attribute type's (android-app certificate: the signer). */
const RELATION_KIND: Readonly<Record<string, Readonly<Record<string, IndicatorKind>>>> = {
  'android-app': { appid: 'app-id', certificate: 'cert-sha1', 'certificate-sha256': 'cert-sha256' },
};

const FAMILY_GALAXIES =
  /^misp-galaxy:(malpedia|android|mitre-malware|mitre-mobile-attack-malware|mitre-tool|tool|threat-actor|mitre-intrusion-set|ransomware|stalkerware)="(.+)"$/i;
const FAMILY_GALAXY_TYPES =
  /^(malpedia|android|mitre-malware|mitre-mobile-attack-malware|mitre-tool|tool|threat-actor|mitre-intrusion-set|ransomware|stalkerware)$/i;

const CATEGORY_WORDS: ReadonlyArray<readonly [RegExp, IndicatorCategory]> = [
  [/stalkerware/i, 'stalkerware'],
  [/spyware|surveillance|pegasus|predator|finfisher|finspy/i, 'spyware'],
  [/bank(ing|er)/i, 'banking-trojan'],
  [/adware/i, 'adware'],
  [/phishing/i, 'phishing'],
  [/\b(rat|trojan)\b|remote access/i, 'trojan'],
];

interface MispContext {
  readonly family?: string;
  readonly category: IndicatorCategory;
  readonly reference?: string;
}

/** `mitre-malware` values carry the ATT&CK id (`Pegasus - S0316`): the name alone. */
function familyName(value: string): string {
  return value.replace(/\s+-\s+[STG]\d{4}$/, '').trim();
}

function tagNames(holder: Record<string, unknown>): string[] {
  const tags = holder.Tag;
  if (!Array.isArray(tags)) return [];
  return tags.flatMap((t) => (isRecord(t) && typeof t.name === 'string' ? [t.name] : []));
}

function familyOf(event: Record<string, unknown>, tags: readonly string[]): string | undefined {
  for (const tag of tags) {
    const match = FAMILY_GALAXIES.exec(tag);
    if (match?.[2] !== undefined) return familyName(match[2]);
  }
  const galaxies = event.Galaxy;
  if (Array.isArray(galaxies))
    for (const galaxy of galaxies) {
      if (!isRecord(galaxy) || !FAMILY_GALAXY_TYPES.test(str(galaxy, 'type') ?? '')) continue;
      const clusters = galaxy.GalaxyCluster;
      if (!Array.isArray(clusters)) continue;
      for (const cluster of clusters)
        if (isRecord(cluster) && typeof cluster.value === 'string') return familyName(cluster.value);
    }
  const info = str(event, 'info')?.trim();
  return info === undefined || info === '' ? undefined : info;
}

function categoryOf(info: string, tags: readonly string[]): IndicatorCategory {
  const words = [...tags, info].join('\n');
  for (const [pattern, category] of CATEGORY_WORDS) if (pattern.test(words)) return category;
  return 'malware';
}

/** The events of a MISP document: `{Event}`, `{response: [{Event}]}`, `[{Event}]`. */
function eventsOf(data: unknown, fileName: string): Record<string, unknown>[] {
  const list = Array.isArray(data)
    ? data
    : isRecord(data) && Array.isArray(data.response)
      ? data.response
      : [data];
  return list.map((entry, index) => {
    const event = isRecord(entry) ? (isRecord(entry.Event) ? entry.Event : undefined) : undefined;
    if (event === undefined)
      throw new IntelParseError(fileName, 'not a MISP event (expected {"Event": {…}})', {
        object: `events[${index}]`,
      });
    return event;
  });
}

interface MispAttribute {
  readonly type: string;
  readonly value: string;
  readonly toIds: boolean;
  readonly deleted: boolean;
  readonly uuid: string;
  readonly relation?: string;
}

function attributeOf(raw: unknown): MispAttribute | undefined {
  if (!isRecord(raw)) return undefined;
  const type = str(raw, 'type');
  const value = str(raw, 'value');
  if (type === undefined || value === undefined) return undefined;
  // MISP writes booleans; older exports and CSV-derived JSON write "1"/"0".
  const flag = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
  const relation = str(raw, 'object_relation');
  return {
    type,
    value,
    toIds: flag(raw.to_ids),
    deleted: flag(raw.deleted),
    uuid: str(raw, 'uuid') ?? '',
    ...(relation !== undefined ? { relation } : {}),
  };
}

/** The values an attribute yields for the index: `[kind, value]` pairs, or a reason it yields none. */
function indicatorsOf(
  attribute: MispAttribute,
  objectName?: string,
): Array<[IndicatorKind, string]> | string {
  const byRelation =
    objectName !== undefined && attribute.relation !== undefined
      ? RELATION_KIND[objectName]?.[attribute.relation]
      : undefined;
  if (byRelation !== undefined) return [[byRelation, attribute.value]];
  const direct = TYPE_KIND[attribute.type];
  if (direct !== undefined) return [[direct, attribute.value]];
  const parts = attribute.type.split('|');
  if (parts.length === 2) {
    const values = attribute.value.split('|');
    const [left, right] = parts;
    const out: Array<[IndicatorKind, string]> = [];
    // filename|sha256 and the like: the hash is the indicator, the file name context.
    // ip-dst|port, hostname|port, domain|ip: each side that has a kind.
    if (left !== undefined && left !== 'filename' && TYPE_KIND[left] !== undefined && values[0] !== undefined)
      out.push([TYPE_KIND[left], values[0]]);
    if (right !== undefined && TYPE_KIND[right] !== undefined && values[1] !== undefined)
      out.push([TYPE_KIND[right], values[1]]);
    if (out.length > 0) return out;
  }
  if (attribute.type === 'link') return 'link: the reference, not an indicator';
  if (CONTEXT_TYPES.has(attribute.type)) return `type ${attribute.type}: context, not an indicator`;
  return `type ${attribute.type} not supported`;
}

/** Parses MISP event JSON (a feed's event file or a REST export): see the rules above. */
export function parseMisp(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const events = eventsOf(parseJson(text, fileName), fileName);
  const first = events[0];
  const firstInfo = first === undefined ? undefined : str(first, 'info');
  const feedId =
    options.feed ??
    (events.length === 1 && firstInfo !== undefined
      ? `misp:${firstInfo}`
      : `misp:${baseName(fileName).replace(/\.[^.]+$/, '')}`);
  const feed = emptyFeed(feedId, 'misp', fileName);
  const out = new IndicatorCollector();
  const families = new Set<string>();
  const categories = new Set<IndicatorCategory>();

  events.forEach((event, eventIndex) => {
    const eventUuid = str(event, 'uuid') ?? `events[${eventIndex}]`;
    const info = str(event, 'info') ?? '';
    const tags = tagNames(event);
    const attributes = Array.isArray(event.Attribute) ? event.Attribute : [];
    const objects = Array.isArray(event.Object) ? event.Object : [];
    const links = [
      ...attributes,
      ...objects.flatMap((o) => (isRecord(o) && Array.isArray(o.Attribute) ? o.Attribute : [])),
    ]
      .map(attributeOf)
      .filter((a): a is MispAttribute => a !== undefined && a.type === 'link' && !a.deleted);
    const family = familyOf(event, tags) ?? options.context?.family;
    const context: MispContext = {
      category: categoryOf(info, tags),
      ...(family !== undefined ? { family } : {}),
      ...(links[0] !== undefined ? { reference: links[0].value } : {}),
    };
    if (context.family !== undefined) families.add(context.family);
    categories.add(context.category);

    const take = (raw: unknown, where: string, objectName?: string, objectIds = false) => {
      const attribute = attributeOf(raw);
      if (attribute === undefined) {
        feed.skipped.push(`${where}: attribute without type or value`);
        return;
      }
      const at = `${where} ${attribute.type}`;
      if (attribute.deleted) {
        feed.skipped.push(`${at}: deleted`);
        return;
      }
      const found = indicatorsOf(attribute, objectName);
      if (typeof found === 'string') {
        feed.skipped.push(`${at}: ${found}`);
        return;
      }
      const appidOfFlaggedApp = objectName === 'android-app' && attribute.relation === 'appid' && objectIds;
      if (!attribute.toIds && !appidOfFlaggedApp) {
        feed.skipped.push(`${at}: to_ids false (context, not an indicator)`);
        return;
      }
      const prov = provenance(feed.feed, context.category, {
        family: context.family,
        reference: context.reference,
        source: `${baseName(fileName)}#${eventUuid}/${attribute.uuid}`,
      });
      for (const [kind, value] of found) out.add(kind, value, prov, at);
    };

    attributes.forEach((raw, index) => {
      take(raw, `${eventUuid} Attribute[${index}]`);
    });
    objects.forEach((object, objectIndex) => {
      if (!isRecord(object)) return;
      const name = str(object, 'name') ?? 'object';
      const where = `${eventUuid} Object[${objectIndex}] ${name}`;
      const members = Array.isArray(object.Attribute) ? object.Attribute : [];
      if (object.deleted === true) {
        feed.skipped.push(`${where}: deleted (${members.length} attributes)`);
        return;
      }
      const flagged = members.some(
        (m) => attributeOf(m)?.toIds === true && attributeOf(m)?.deleted === false,
      );
      members.forEach((raw, index) => {
        take(raw, `${where}[${index}]`, name, flagged);
      });
    });
  });

  const onlyFamily = families.size === 1 ? [...families][0] : undefined;
  if (onlyFamily !== undefined) {
    feed.family = onlyFamily;
    feed.familyFrom = 'MISP event';
  }
  const onlyCategory = categories.size === 1 ? [...categories][0] : undefined;
  if (onlyCategory !== undefined) feed.category = onlyCategory;
  if (first !== undefined && events.length === 1) {
    const timestamp = str(first, 'timestamp');
    if (timestamp !== undefined) feed.version = timestamp;
  }
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}

/** The role of a non-event file in a MISP feed folder, for the loader's skip reason. */
export function mispFeedFileRole(fileName: string, text: string): string | undefined {
  const base = baseName(fileName).toLowerCase();
  if (base === 'manifest.json' && /^\s*\{\s*"[0-9a-f-]{36}"\s*:\s*\{/.test(text.slice(0, 4096)))
    return 'MISP feed manifest: lists the event files, which are read themselves';
  if (base === 'hashes.csv' && /^[0-9a-f]{32},[0-9a-f-]{36}\s*$/m.test(text.slice(0, 4096)))
    return 'MISP feed hashes.csv: MD5 digests of attribute values (for correlation), not file hashes';
  return undefined;
}
