import type { IndicatorCategory, IndicatorKind, Provenance } from '../../types.ts';
import { IntelParseError } from '../errors.ts';
import { normalizeDomain, normalizeIp, normalizeUrl, splitHostPort } from '../normalize.ts';
import { emptyFeed, type ParsedFeed, type ParseOptions } from '../types.ts';
import { baseName, IndicatorCollector, parentName, provenance, splitLines } from './common.ts';
import { isFileNameLine } from './ioc-rules.ts';

/** MVT plain-list file names and the indicator kind each holds. */
export const MVT_LIST_KINDS: Readonly<Record<string, IndicatorKind>> = {
  'domains.txt': 'domain',
  'package_names.txt': 'app-id',
  'package_cert_hashes.txt': 'cert-sha256',
  'sha256.txt': 'file-sha256',
  'ip-addresses.txt': 'ip',
  'processes.txt': 'process',
  'file_paths.txt': 'file-path',
  'file_names.txt': 'file-name',
  'emails.txt': 'email',
  'config_profiles.txt': 'profile-id',
  'urls.txt': 'url',
  'android_properties.txt': 'android-property',
};

/** Campaign folder name without its date prefix: `2022-06-23_rcs_lab` → `rcs_lab`. */
export function campaignName(folder: string): string {
  return folder.replace(/^\d{4}-\d{2}[-_]\d{2}[-_]?/, '').replace(/^\d{6,8}[-_]/, '') || folder;
}

/**
 * Parses one MVT plain list (`domains.txt`, `package_names.txt`, `package_cert_hashes.txt`,
 * `sha256.txt`, `ip-addresses.txt`, `processes.txt`…): one value per line, defanged values
 * accepted. Family: the campaign folder. Invalid values are skipped (real lists hold a few);
 * a file where most values are invalid is an error naming the first bad line.
 */
export function parseMvtList(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const base = baseName(fileName);
  const kind = MVT_LIST_KINDS[base];
  if (kind === undefined)
    throw new IntelParseError(
      fileName,
      `not an MVT list file name (${Object.keys(MVT_LIST_KINDS).join(', ')})`,
    );
  const folder = parentName(fileName);
  const family = folder === undefined ? undefined : campaignName(folder);
  const feed = emptyFeed(options.feed ?? `mvt:${family ?? base}`, 'mvt-list', fileName);
  const out = new IndicatorCollector();
  let firstInvalid = 0;
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const prov = provenance(feed.feed, 'spyware', {
      family,
      source: `${folder === undefined ? '' : `${folder}/`}${base}:${i + 1}`,
    });
    if (!out.add(kind, line, prov, `line ${i + 1}`) && firstInvalid === 0) firstInvalid = i + 1;
  });
  if (out.skipped.length > 0 && out.skipped.length >= out.records.length) {
    throw new IntelParseError(
      fileName,
      `${out.skipped.length} of ${out.skipped.length + out.records.length} lines are not a valid ${kind}`,
      {
        line: firstInvalid,
      },
    );
  }
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}

/** Extracts the domain of a domain-list line: plain, hosts-file (`0.0.0.0 x`) or Adblock (`||x^`). */
function domainOfListLine(line: string): string | undefined {
  const hosts = /^(?:0\.0\.0\.0|127\.0\.0\.1|::1?|::)\s+(\S+)/.exec(line);
  if (hosts !== null) return hosts[1];
  const adblock = /^\|\|([^/^$]+)\^?$/.exec(line);
  if (adblock !== null) return adblock[1];
  return /^\S+$/.test(line) ? line : undefined;
}

const LOCAL_HOSTS: ReadonlySet<string> = new Set([
  'localhost',
  'localhost.localdomain',
  'local',
  'broadcasthost',
  'ip6-localhost',
]);

/**
 * Parses a domain blocklist: one domain per line, `#` / `!` comments, hosts-file lines
 * (`0.0.0.0 evil.example`) and Adblock `||evil.example^`. Category phishing, except the
 * stalkerware-indicators `hosts` file (stalkerware C2). Lines that are not domains are skipped;
 * a file where most lines are not domains is an error.
 */
export function parseDomainList(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const stalkerware = /stalkerware/i.test(fileName);
  // A list inside a campaign's folder (beside its STIX bundle or write-up) is that campaign's
  // infrastructure: the loader passes the family and category; only a bare blocklist is phishing.
  const context = options.context;
  const category: IndicatorCategory =
    context?.category ?? (stalkerware ? 'stalkerware' : context?.family !== undefined ? 'c2' : 'phishing');
  const feedId =
    options.feed ??
    (context?.family !== undefined && !stalkerware
      ? `list:${context.family}`
      : stalkerware
        ? 'stalkerware-indicators'
        : /blocklistproject/i.test(fileName)
          ? 'blocklistproject-phishing'
          : `list:${baseName(fileName).replace(/\.[^.]+$/, '')}`);
  const feed = emptyFeed(feedId, 'domain-list', fileName);
  const out = new IndicatorCollector();
  const base = baseName(fileName);
  const prov = provenance(feedId, category, {
    family: context?.family,
    reference: context?.reference,
    source: base,
  });
  let invalid = 0;
  let firstInvalid = 0;
  splitLines(text).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) return;
    const domain = domainOfListLine(line);
    if (domain !== undefined && LOCAL_HOSTS.has(domain.toLowerCase())) return;
    if (domain !== undefined && isFileNameLine(domain)) {
      // `Info.plist`, `libcore.so`: a file or process name in the list, not a domain.
      feed.skipped.push(`line ${i + 1}: file name, not a domain: ${domain.slice(0, 100)}`);
      return;
    }
    if (domain === undefined || !out.add('domain', domain, prov, `line ${i + 1}`)) {
      if (domain === undefined) feed.skipped.push(`line ${i + 1}: not a domain: ${line.slice(0, 100)}`);
      invalid++;
      if (firstInvalid === 0) firstInvalid = i + 1;
    }
  });
  if (invalid > 0 && invalid >= out.records.length) {
    throw new IntelParseError(
      fileName,
      `${invalid} of ${invalid + out.records.length} entries are not domains`,
      {
        line: firstInvalid,
      },
    );
  }
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}

/** Maltrail families that are banking trojans (the rest of the mobile trails are C2 of other malware). */
export const BANKING_FAMILIES: ReadonlySet<string> = new Set(
  (
    'acecard albiriox anubis antidot asacub bankbot bankun basbanke bingomod blackrock brokewell calibar cerberus ' +
    'coyote crocodilus droidbot ermac eventbot exobot fakebanco fluhorse frogblight gigabud ginp godwon gustuff ' +
    'herodotus hydra ibanking klopatra malibot mazar mellat mmrat octo oscorp perseus pixpirate playpraetor redalert ' +
    'riltok rotexy salvador sharkbot svpeng teabot tgtoxic vultur xenomorph'
  ).split(' '),
);

/** Family from a maltrail trail file name: `android_cerberus.txt` → `cerberus`. */
export function maltrailFamily(fileName: string): string {
  return baseName(fileName)
    .replace(/\.txt$/i, '')
    .replace(/^(android|ios)_/i, '');
}

/**
 * Parses a maltrail trail file: `#` comments (`# Reference: <url>` applies to the trails after it),
 * then one trail per line: a domain, an IP, `IP:port`, or a URL. Family from the file name; category
 * `banking-trojan` for known banking families, `c2` otherwise. Path-only trails and regex trails are
 * skipped (they need the full HTTP request, not a host).
 */
export function parseMaltrail(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const family = maltrailFamily(fileName);
  const category: IndicatorCategory = BANKING_FAMILIES.has(family.toLowerCase()) ? 'banking-trojan' : 'c2';
  const feed = emptyFeed(options.feed ?? 'maltrail', 'maltrail', fileName);
  const out = new IndicatorCollector();
  const base = baseName(fileName);
  let reference: string | undefined;
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#')) {
      const ref = /^#\s*Reference:\s*(\S+)/i.exec(line);
      if (ref !== null) reference = ref[1];
      return;
    }
    const hash = line.indexOf('#');
    const trail = hash === -1 ? line : line.slice(0, hash).trim();
    if (trail === '') return;
    const where = `line ${i + 1}`;
    const prov: Provenance =
      reference === undefined
        ? { feed: feed.feed, category, family, source: `${base}:${i + 1}` }
        : { feed: feed.feed, category, family, reference, source: `${base}:${i + 1}` };
    if (trail.startsWith('/')) {
      feed.skipped.push(`${where}: path-only trail ${trail.slice(0, 100)}`);
      return;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trail) || trail.includes('/')) {
      const url = normalizeUrl(trail);
      if (url !== undefined && !url.includes('/')) {
        // A URL without a path names a host: index the host itself.
        const { host } = splitHostPort(url);
        out.add(normalizeIp(host) === undefined ? 'domain' : 'ip', host, prov, where);
      } else out.add('url', trail, prov, where);
      return;
    }
    const domain = normalizeDomain(trail);
    if (domain !== undefined) {
      out.addNormalized('domain', domain, prov);
      return;
    }
    const ip = normalizeIp(splitHostPort(trail).host);
    if (ip !== undefined) out.addNormalized('ip', ip, prov);
    else feed.skipped.push(`${where}: not a host, IP or URL: ${trail.slice(0, 100)}`);
  });
  feed.indicators.push(...out.records);
  feed.skipped.push(...out.skipped);
  return feed;
}
