import type { IndicatorCategory, IndicatorKind } from '../../types.ts';
import { normalizeAppId, normalizeDomain, normalizeHex, normalizeIp, normalizeUrl } from '../normalize.ts';

/**
 * What counts as an indicator in text an analyst wrote (write-ups, CSV notes, hash and IP lists),
 * and what is rejected as an obvious non-indicator. Every rule is conservative: a value is
 * rejected only when it is very likely not an indicator, and a defanged value (`evil[.]com`,
 * `hxxps://…`) is taken as the author's statement that it is one. docs/intel.md lists the rules.
 */

/**
 * File extensions: a token ending in one is a file name (`Info.plist`, `base.apk`, `libx.so`,
 * `payload.js`), not a domain, unless it was defanged. Some are also TLDs (`.zip`, `.mov`,
 * `.sh`, `.py`, `.md`, `.so`); in a write-up they are far more often file names.
 */
export const FILE_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'apk apks aab xapk dex odex vdex oat so jar aar class smali ipa app dylib framework plist mobileconfig ' +
    'js mjs json xml html htm php asp aspx jsp css txt log md csv yaml yml ini cfg conf sh py rb pl ' +
    'exe dll bin dat db sqlite sqlite3 tmp bak zip rar 7z gz tgz tar xz png jpg jpeg gif webp svg ico ' +
    'pdf doc docx xls xlsx ppt pptx rtf mp3 mp4 mov avi wav ogg ttf otf woff woff2 pem crt cer der key ' +
    'p12 pfx dmp ko elf img iso vbs ps1 bat lnk stix2 stix ioc yar yara rules pcap pcapng ab'
  ).split(' '),
);

/**
 * A list line that names a file (`Info.plist`, `payload.dex`): not a domain. `strict` (deciding
 * whether a file is a domain list at all) counts every file extension; otherwise (a line of a
 * domain list) only extensions that are no top-level domain, so `evil.pl` or `evil.app` stay domains.
 */
export function isFileNameLine(line: string, strict = false): boolean {
  if (!line.includes('.') || /[[(]\.[\])]/.test(line)) return false;
  const last = line.slice(line.lastIndexOf('.') + 1).toLowerCase();
  return FILE_EXTENSIONS.has(last) && (strict || !isTld(last));
}

/**
 * Generic top-level domains seen in mobile-malware reports (two-letter country codes are accepted
 * by shape). A dotted name must end in one of these to be taken as a domain without other signs.
 */
const GENERIC_TLDS: ReadonlySet<string> = new Set(
  (
    'com net org info biz xyz top online site club live store shop app dev cloud space website tech ' +
    'pro mobi name asia tel click link work fun icu vip buzz monster rest cam life world today news ' +
    'host press services support email digital network center company solutions systems global group ' +
    'plus one zone agency media social chat video lol win bid loan date download review stream trade ' +
    'party racing science accountant cricket faith men gdn kim ltd mom pw ooo fit best cyou sbs cfd ' +
    'quest bond beauty hair skin makeup boats yachts autos homes motorcycles lat run tips guru ninja ' +
    'rocks city land house center capital finance money bank cash credit loans exchange market ' +
    'games game bet casino poker bingo surf page blog wiki mobile phone help security secure update ' +
    'zip mov gov edu mil int arpa onion local localhost test example invalid'
  ).split(' '),
);

/** First labels of Java-style package names (reverse DNS): `com.…`, `org.…`, country codes. */
const PACKAGE_FIRST_LABELS: ReadonlySet<string> = new Set(
  'com org net io de cn ru app me co uk fr it es br in jp kr sa pk ae tw vn id ir tr info edu gov biz cc tv'.split(
    ' ',
  ),
);
/** The first labels that make a three-label name a package even when its last label is a TLD (`com.x.app`). */
const REVERSE_DNS_FIRST: ReadonlySet<string> = new Set(['com', 'org', 'net']);

/**
 * Documentation and special-use names (RFC 2606, RFC 6761, RFC 6762, RFC 7686, RFC 8375): never
 * indicators, defanged or not.
 */
const SPECIAL_USE_SUFFIXES = [
  'example',
  'test',
  'invalid',
  'localhost',
  'local',
  'onion',
  'home.arpa',
  'arpa',
  'example.com',
  'example.net',
  'example.org',
];

/**
 * Well-known benign sites that write-ups link or name (code hosting, social media, the big
 * platforms, security vendors and research groups, sandboxes, standards bodies). A name equal to
 * one of these or under it is not an indicator when written plainly; a URL with a path on one of
 * them is kept only when defanged (malware is hosted on GitHub; a link to a repository is not).
 */
export const BENIGN_DOMAINS: ReadonlySet<string> = new Set(
  (
    'github.com githubusercontent.com github.io gitlab.com bitbucket.org twitter.com x.com t.co linkedin.com ' +
    'facebook.com fb.com meta.com instagram.com youtube.com youtu.be medium.com reddit.com wikipedia.org ' +
    'google.com goo.gl blog.google android.com apple.com icloud.com microsoft.com windows.com live.com ' +
    'amazon.com amazonaws.com cloudflare.com mozilla.org w3.org schema.org oasis-open.org mitre.org ' +
    'cve.org nist.gov cisa.gov first.org virustotal.com hybrid-analysis.com any.run joesandbox.com ' +
    'abuse.ch shodan.io censys.io urlscan.io archive.org archive.ph mvt.re citizenlab.ca citizenlab.org ' +
    'amnesty.org accessnow.org eff.org lookout.com sophos.com kaspersky.com securelist.com eset.com ' +
    'welivesecurity.com trendmicro.com zimperium.com mandiant.com crowdstrike.com paloaltonetworks.com ' +
    'checkpoint.com talosintelligence.com cisco.com iverify.io bitdefender.com malwarebytes.com ' +
    'fortinet.com fortiguard.com symantec.com broadcom.com recordedfuture.com proofpoint.com ' +
    'threatfabric.com cleafy.com group-ib.com avast.com gendigital.com mcafee.com sentinelone.com ' +
    'microsoft.net doctorweb.com drweb.com f-secure.com withsecure.com intezer.com cyble.com ' +
    'stalkerware-indicators.org echap.eu.org coalitionagainststalkerware.org'
  ).split(' '),
);

/**
 * Package names of the platform and the Play Store that write-ups name as context (the installer,
 * the services a sample abuses). Exact names only: malware often borrows the `com.android.` prefix.
 */
export const BENIGN_PACKAGES: ReadonlySet<string> = new Set([
  'com.android.vending',
  'com.google.android.gms',
  'com.google.android.gsf',
  'com.google.android.packageinstaller',
  'com.android.packageinstaller',
  'com.android.settings',
  'com.android.chrome',
  'com.android.systemui',
  'com.android.providers.telephony',
  'com.android.phone',
  'android',
]);

/** Why a value was not taken as an indicator (shown by `riskgate intel check`). */
export type Rejection = { readonly reason: string };

/** True when `host` is `suffix` or a subdomain of it. */
function isUnder(host: string, suffix: string): boolean {
  return host === suffix || host.endsWith(`.${suffix}`);
}

/** The registrable part of a host, approximately: the last two labels (three under `co.uk`-style suffixes). */
export function registrableDomain(host: string): string {
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const second = labels[labels.length - 2] ?? '';
  const last = labels[labels.length - 1] ?? '';
  const take = last.length === 2 && /^(co|com|org|net|ac|gov|edu|or|ne)$/.test(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** A reason when a (normalised) domain is a documentation, special-use or benign name. */
export function rejectDomain(
  domain: string,
  context: { readonly defanged: boolean; readonly publishers: ReadonlySet<string> },
): Rejection | undefined {
  for (const suffix of SPECIAL_USE_SUFFIXES)
    if (isUnder(domain, suffix)) return { reason: `documentation or special-use name (.${suffix})` };
  if (context.defanged) return undefined;
  for (const benign of BENIGN_DOMAINS)
    if (isUnder(domain, benign)) return { reason: `well-known benign site (${benign})` };
  if (context.publishers.has(registrableDomain(domain)))
    return { reason: `the publisher's own site (${registrableDomain(domain)})` };
  return undefined;
}

function ipv4Parts(ip: string): number[] | undefined {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p)) ? parts : undefined;
}

/**
 * A reason when a (normalised) address is private, loopback, link-local, shared, multicast,
 * reserved or a documentation range (RFC 1918, 6598, 3927, 5737, 2544, 3849, 4193, 4291).
 */
export function rejectIp(ip: string): Rejection | undefined {
  const v4 = ipv4Parts(ip);
  if (v4 !== undefined) {
    const [a = 0, b = 0, c = 0] = v4;
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
      return { reason: 'private address (RFC 1918)' };
    if (a === 127) return { reason: 'loopback address' };
    if (a === 0) return { reason: 'reserved address (0.0.0.0/8)' };
    if (a === 169 && b === 254) return { reason: 'link-local address' };
    if (a === 100 && b >= 64 && b <= 127) return { reason: 'shared address space (RFC 6598)' };
    if (a >= 224) return { reason: 'multicast or reserved address' };
    if (
      (a === 192 && b === 0 && c === 2) ||
      (a === 198 && b === 51 && c === 100) ||
      (a === 203 && b === 0 && c === 113)
    )
      return { reason: 'documentation address (RFC 5737)' };
    if (a === 198 && (b === 18 || b === 19)) return { reason: 'benchmarking address (RFC 2544)' };
    if (a === 192 && b === 0 && c === 0) return { reason: 'reserved address (192.0.0.0/24)' };
    return undefined;
  }
  const v6 = ip.toLowerCase();
  if (v6 === '::' || v6 === '::1') return { reason: 'unspecified or loopback address' };
  if (/^fe[89ab]/.test(v6)) return { reason: 'link-local address' };
  if (/^f[cd]/.test(v6)) return { reason: 'unique local address (RFC 4193)' };
  if (v6.startsWith('ff')) return { reason: 'multicast address' };
  if (v6.startsWith('2001:db8:') || v6 === '2001:db8::')
    return { reason: 'documentation address (RFC 3849)' };
  if (v6.startsWith('::ffff:')) {
    const mapped = v6.slice(7);
    return normalizeIp(mapped) === mapped ? rejectIp(mapped) : undefined;
  }
  return undefined;
}

/** A recognised value in text: its kind and normalised value, or why it was rejected. */
export type Classified =
  | { readonly kind: IndicatorKind; readonly value: string; readonly host?: string }
  | { readonly rejected: string; readonly value: string };

/** Context of one token: whether it was defanged, the words around it, the publisher's sites. */
export interface TokenContext {
  readonly defanged: boolean;
  /** The line the token is on (lower-cased), for hints such as `certificate` or `package`. */
  readonly line: string;
  readonly publishers: ReadonlySet<string>;
  /** The line's hints, computed once per line by callers that classify many tokens of it. */
  readonly hints?: LineHints;
  /** The text just before the token (a few characters), when the caller knows it. */
  readonly before?: string;
}

/** What a line's words say about the values on it. */
export interface LineHints {
  readonly certificate: boolean;
  readonly commit: boolean;
  readonly package: boolean;
}

/** The hints of a (lower-cased) line. */
export function lineHints(line: string): LineHints {
  return {
    certificate: /\b(cert|certificate|signer|signing|signature)\b/.test(line),
    commit: /\b(commit|revision|git)\b/.test(line),
    package: /\b(package|app id|application id|bundle|pkg)\b/.test(line),
  };
}

const HEX = /^[0-9a-f]+$/i;
const VERSION = /^v?\d+(\.\d+)+[a-z0-9-]*$/i;
const DOTTED = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/i;
const SCHEME = /^(https?|ftp|wss?|tcp|udp):\/\//i;

/** A known generic TLD or any two-letter (country-code) label. */
export function isTld(label: string): boolean {
  return GENERIC_TLDS.has(label) || /^[a-z]{2}$/.test(label);
}

/** A hex token of hash length, by kind; signer certificates when the line says so. */
function classifyHex(token: string, ctx: TokenContext): Classified | undefined {
  if (!HEX.test(token) || (token.length !== 32 && token.length !== 40 && token.length !== 64))
    return undefined;
  const value = token.toLowerCase();
  if (/^\d+$/.test(value)) return { rejected: 'digits only: a number, not a hash', value };
  if (/^(.)\1+$/.test(value)) return { rejected: 'one repeated digit: a placeholder, not a hash', value };
  const hints = ctx.hints ?? lineHints(ctx.line);
  if (token.length === 40 && hints.commit) return { rejected: 'a git commit id, not a file hash', value };
  const certificate = hints.certificate;
  if (token.length === 32) return { kind: 'file-md5', value };
  if (token.length === 40) return { kind: certificate ? 'cert-sha1' : 'file-sha1', value };
  return { kind: certificate ? 'cert-sha256' : 'file-sha256', value };
}

/** A URL token: the URL, or the host alone when it has no path. */
function classifyUrl(token: string, ctx: TokenContext): Classified {
  const url = normalizeUrl(token);
  if (url === undefined) return { rejected: 'not a valid URL', value: token };
  const slash = url.indexOf('/');
  const authority = slash === -1 ? url : url.slice(0, slash);
  const host = authority.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const ip = normalizeIp(host);
  if (ip !== undefined) {
    const bad = rejectIp(ip);
    if (bad !== undefined) return { rejected: bad.reason, value: url };
  } else {
    const domain = normalizeDomain(host);
    if (domain === undefined) return { rejected: 'not a valid host', value: url };
    const bad = rejectDomain(domain, ctx);
    if (bad !== undefined) return { rejected: bad.reason, value: url };
  }
  if (slash === -1) return ip !== undefined ? { kind: 'ip', value: ip } : { kind: 'domain', value: host };
  return { kind: 'url', value: url, host: ip ?? host };
}

/** A dotted name: a domain, an Android package name, or a rejected file name / version string. */
function classifyDotted(token: string, ctx: TokenContext): Classified | undefined {
  if (!DOTTED.test(token)) return undefined;
  const lower = token.toLowerCase();
  if (VERSION.test(lower)) return { rejected: 'version string', value: lower };
  const labels = lower.split('.');
  const first = labels[0] ?? '';
  const last = labels[labels.length - 1] ?? '';
  if (/^\d+$/.test(last)) return { rejected: 'ends in a number: a version string', value: lower };
  // `.app` is an iOS bundle only as `Name.app`; `com.x.app` is a package name.
  const extension = FILE_EXTENSIONS.has(last) && !(last === 'app' && labels.length >= 3) ? last : undefined;
  if (extension !== undefined && !ctx.defanged)
    return { rejected: `file name (.${extension})`, value: lower };
  const packageHint = (ctx.hints ?? lineHints(ctx.line)).package;
  const packageShape =
    (lower.includes('_') && (PACKAGE_FIRST_LABELS.has(first) || labels.length >= 3)) ||
    (PACKAGE_FIRST_LABELS.has(first) &&
      (!isTld(last) || (labels.length >= 3 && REVERSE_DNS_FIRST.has(first))) &&
      !ctx.defanged);
  if (packageShape || (packageHint && !ctx.defanged && !isTld(last))) {
    const id = normalizeAppId(lower);
    if (id === undefined) return { rejected: 'not a valid package name', value: lower };
    if (BENIGN_PACKAGES.has(id)) return { rejected: 'platform package (benign)', value: id };
    return { kind: 'app-id', value: id };
  }
  if (!isTld(last) && !ctx.defanged)
    return { rejected: `.${last} is not a known top-level domain`, value: lower };
  const domain = normalizeDomain(lower);
  if (domain === undefined) return { rejected: 'not a valid domain', value: lower };
  const bad = rejectDomain(domain, ctx);
  return bad !== undefined ? { rejected: bad.reason, value: domain } : { kind: 'domain', value: domain };
}

/**
 * Classifies one refanged token of text: a URL, e-mail address, IP address, hash, package name or
 * domain; a rejection with its reason for near misses; `undefined` for ordinary words.
 */
export function classifyToken(token: string, ctx: TokenContext): Classified | undefined {
  if (token.length < 4 || token.length > 2048) return undefined;
  if (SCHEME.test(token)) return classifyUrl(token, ctx);
  if (token.includes('@')) {
    const at = token.lastIndexOf('@');
    const local = token.slice(0, at);
    const domain = normalizeDomain(token.slice(at + 1));
    if (local === '' || !/^[a-z0-9._%+-]+$/i.test(local) || domain === undefined) return undefined;
    const bad = rejectDomain(domain, ctx);
    const value = `${local.toLowerCase()}@${domain}`;
    return bad !== undefined ? { rejected: bad.reason, value } : { kind: 'email', value };
  }
  const hex = classifyHex(token, ctx);
  if (hex !== undefined) return hex;
  const ip = token.includes('.') || token.includes(':') ? normalizeIp(token) : undefined;
  if (ip !== undefined && (ip.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(token))) {
    const before =
      ctx.before ?? ctx.line.slice(Math.max(0, ctx.line.indexOf(token) - 16), ctx.line.indexOf(token));
    if (!ip.includes(':') && /\b(version|build|v)\s*$/.test(before)) {
      return { rejected: 'version string', value: ip };
    }
    const bad = rejectIp(ip);
    return bad !== undefined ? { rejected: bad.reason, value: ip } : { kind: 'ip', value: ip };
  }
  if (token.includes('/')) {
    // A host with a path but no scheme (`evil.com/gate.php`): a URL when the host is a domain or IP.
    const host = token.slice(0, token.indexOf('/'));
    const hostKind = classifyDotted(host.replace(/:\d+$/, ''), ctx);
    const hostIp = normalizeIp(host.replace(/:\d+$/, ''));
    if ((hostKind !== undefined && 'kind' in hostKind && hostKind.kind === 'domain') || hostIp !== undefined)
      return classifyUrl(`http://${token}`, ctx);
    return undefined;
  }
  const port = /^(.+):(\d{1,5})$/.exec(token);
  if (port !== null) return classifyToken(port[1] ?? '', ctx);
  return classifyDotted(token, ctx);
}

/** Hash kind by hex length: 32 MD5, 40 SHA-1, 64 SHA-256. */
export function hashKindOf(value: string): 'file-md5' | 'file-sha1' | 'file-sha256' | undefined {
  const hex = normalizeHex(value, value.trim().length);
  if (hex === undefined) return undefined;
  return hex.length === 32
    ? 'file-md5'
    : hex.length === 40
      ? 'file-sha1'
      : hex.length === 64
        ? 'file-sha256'
        : undefined;
}

/**
 * The category a document's words suggest: stalkerware, spyware, banking trojan, trojan / RAT,
 * adware; `malware` otherwise (never phishing: a mobile-malware write-up's hosts are its C2 and
 * delivery infrastructure).
 */
export function categoryFromWords(text: string): IndicatorCategory {
  const words = text.toLowerCase();
  if (/stalkerware|stalker/.test(words)) return 'stalkerware';
  if (/spyware|surveillance|spy\b/.test(words)) return 'spyware';
  if (/bank(ing|er)/.test(words)) return 'banking-trojan';
  if (/trojan|backdoor|rat\b|remote access/.test(words)) return 'trojan';
  if (/adware/.test(words)) return 'adware';
  return 'malware';
}

/** Words that make a file or folder name generic (then the family comes from elsewhere). */
const GENERIC_NAME =
  /^(iocs?|indicators?|samples?|hashes|hash|sha-?1|sha-?256|md5|ips?|ip[-_]?addresses|ip[-_]?list|domains|urls|c2s?|network|readme|index|list|report|misp|data|all|android|ios)$/i;

/**
 * A family or campaign name from a title, file stem or folder: words such as "IOCs", "Indicators
 * of Compromise", "Android", "malware" and date prefixes removed; `undefined` when nothing is left
 * or the name is generic (`iocs`, `samples`, `sha256`…).
 */
export function familyFromName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const quoted = /["“']([^"”']{2,60})["”']/.exec(name);
  // A page title's site suffix (`… | Vendor Labs`, `… - Indicators of Compromise`) is not the name.
  const segments = (quoted?.[1] ?? name).split(/\s+[|–—-]\s+|:\s+/).map((part) => familyWords(part));
  const cleaned = segments.find((part) => part !== undefined);
  if (cleaned === undefined) return undefined;
  const words = cleaned.split(' ');
  // A sentence of a title ("Arid Viper poisons apps with AridSpy"): the CamelCase name in it.
  const camel = words.length >= 3 ? words.find((w) => /^[A-Z][a-z0-9]+[A-Z]/.test(w)) : undefined;
  return camel ?? cleaned;
}

/** One title segment without the words that say what kind of document or malware it is. */
function familyWords(text: string): string | undefined {
  const cleaned = text
    .replace(/^\d{4}[-_]?\d{2}(?:[-_]?\d{2})?[-_ ]*/, '')
    .replace(/\.[a-z0-9]{1,8}$/i, '')
    .replace(/[_]+/g, ' ')
    .replace(
      /\b(indicators? of compromise|iocs?|indicators?|android|ios|mobile|malware|spyware|stalkerware|banking trojan|trojan|samples?|hashes|campaigns?|related to|the|list|technical|report|analysis|research|repository)\b/gi,
      ' ',
    )
    .replace(/-(spyware|stalkerware|malware)\b/gi, ' ')
    .replace(/[^\p{L}\p{N}.+-]+/gu, ' ')
    .replace(/\b\d{4}(-\d{4})?\b/g, ' ')
    .replace(/^[\s-]+|[\s-]+$/g, '')
    .replace(/\s+/g, ' ');
  if (cleaned === '' || GENERIC_NAME.test(cleaned.replace(/\s+/g, ''))) return undefined;
  return cleaned.length > 80 ? cleaned.slice(0, 80) : cleaned;
}
