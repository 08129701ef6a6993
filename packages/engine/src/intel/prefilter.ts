/**
 * Miss filters for the hot indicator lookups: per kind, a bit set over a cheap key of every indexed
 * value. A clear bit proves that neither the raw value nor its normal form is indexed, so the lookup
 * returns without hashing the string for a `Map` (a fresh 64-char hash string costs a full hash) and
 * without normalising it. A set bit (a hit, or a false positive about 1 time in 32) falls through
 * to the exact lookup, so results are the same as without the filter.
 *
 * Each key function `f` is used on both sides and is built so that `f(v) === f(k)` whenever the
 * lookup of `v` could return the indexed value `k` (`v === k`, or `normalizeIndicator(kind, v) ===
 * k`); it returns `NO_KEY` when it cannot promise that, and the lookup then takes the exact path.
 */

/** What a key function returns when the value needs the exact (slow) lookup. */
export const NO_KEY = -1;

/** A bit set of `2^k` bits over 32-bit keys (their low bits). */
export interface BitFilter {
  readonly bits: Uint32Array;
  readonly mask: number;
}

/** About 32 bits per value (false-positive rate about 1/32), between 2^10 and 2^22 bits. */
export function createBitFilter(size: number): BitFilter {
  let log = 10;
  while (log < 22 && 2 ** log < size * 32) log++;
  return { bits: new Uint32Array(2 ** (log - 5)), mask: 2 ** log - 1 };
}

export function addKey(filter: BitFilter, key: number): void {
  const bit = key & filter.mask;
  filter.bits[bit >>> 5] = (filter.bits[bit >>> 5] ?? 0) | (1 << (bit & 31));
}

/** False when no value with this key was added. */
export function hasKey(filter: BitFilter, key: number): boolean {
  const bit = key & filter.mask;
  return ((filter.bits[bit >>> 5] ?? 0) & (1 << (bit & 31))) !== 0;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Spreads an FNV-1a state over the low bits (FNV's low bits alone are weak for short inputs). */
function finish(hash: number): number {
  const h = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Per ASCII code: the folded package-id character (`[a-z0-9._-]`, upper case folded), or 0. */
const ID_CHAR = new Uint8Array(128);
for (const [from, to] of [
  [97, 122],
  [48, 57],
  [46, 46],
  [95, 95],
  [45, 45],
] as const)
  for (let code = from; code <= to; code++) ID_CHAR[code] = code;
for (let code = 65; code <= 90; code++) ID_CHAR[code] = code + 32;

/** Package-id characters hashed from the end (the distinctive part of `com.vendor.product`). */
const ID_TAIL = 8;

/**
 * Key of a package id: FNV-1a of its length, its first character and its last eight, ASCII upper
 * case folded. `NO_KEY` unless each of those is in `[A-Za-z0-9._-]`. Why that is enough: with no
 * whitespace at either end `trim` changes nothing, and `toLowerCase` keeps the length of any id
 * `normalizeAppId` accepts (the one mapping that changes length, U+0130, yields a non-ASCII
 * character), so the normal form has the same length and the same folded characters at those
 * positions. Characters in between are left to the exact lookup.
 */
export function appIdKey(value: string): number {
  const length = value.length;
  if (length === 0) return NO_KEY;
  let hash = Math.imul(FNV_OFFSET ^ length, FNV_PRIME);
  const first = value.charCodeAt(0);
  const folded = first < 128 ? (ID_CHAR[first] ?? 0) : 0;
  if (folded === 0) return NO_KEY;
  hash = Math.imul(hash ^ folded, FNV_PRIME);
  for (let i = length > ID_TAIL ? length - ID_TAIL : 1; i < length; i++) {
    const code = value.charCodeAt(i);
    const char = code < 128 ? (ID_CHAR[code] ?? 0) : 0;
    if (char === 0) return NO_KEY;
    hash = Math.imul(hash ^ char, FNV_PRIME);
  }
  return finish(hash);
}

/** The folded package-id character of a UTF-16 code unit, or 0 when it is not one. */
function idChar(code: number): number {
  return code < 128 ? (ID_CHAR[code] ?? 0) : 0;
}

/**
 * A cheaper first key of a package id: its length, its first character and its last four (ASCII
 * upper case folded), `NO_KEY` for ids shorter than five or with another character there; valid
 * for the same reasons as `appIdKey` (the first and last characters show that `trim` changes
 * nothing). Checked against a filter of its own before `appIdKey` (nine characters) is computed:
 * most misses already differ in these, so they read five characters.
 */
export function appIdTailKey(value: string): number {
  const length = value.length;
  if (length < 5) return NO_KEY;
  const first = idChar(value.charCodeAt(0));
  const a = idChar(value.charCodeAt(length - 4));
  const b = idChar(value.charCodeAt(length - 3));
  const c = idChar(value.charCodeAt(length - 2));
  const d = idChar(value.charCodeAt(length - 1));
  if (first === 0 || a === 0 || b === 0 || c === 0 || d === 0) return NO_KEY;
  return finish(Math.imul(length | (first << 16), 0x9e3779b1) ^ (a | (b << 7) | (c << 14) | (d << 21)));
}

const HEX_DIGITS = 6;
const SEPARATOR = 16;
const INVALID = 17;
/** Per ASCII code: the hex digit's value, `SEPARATOR` for what `normalizeHex` drops, else `INVALID`. */
const HEX_VALUE = new Uint8Array(128).fill(INVALID);
for (let code = 48; code <= 57; code++) HEX_VALUE[code] = code - 48;
for (let code = 97; code <= 102; code++) HEX_VALUE[code] = code - 87;
for (let code = 65; code <= 70; code++) HEX_VALUE[code] = code - 55;
for (const code of [58 /* : */, 32, 9, 10, 11, 12, 13]) HEX_VALUE[code] = SEPARATOR;

/**
 * Key of a hex fingerprint: its first `digits` hex digits (at most six, 24 bits, more than the
 * largest filter uses) as a number, upper case folded, skipping the separators `normalizeHex` drops
 * (`:` and ASCII whitespace), so the key of `AB:CD:…` is the key of `abcd…`. Hash values are
 * uniform, so their leading digits need no further hashing. Any other character before the last
 * digit needed, or too few digits, is `NO_KEY`.
 */
export function hexKey(value: string, digits: number = HEX_DIGITS): number {
  let key = 0;
  let read = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const digit = code < 128 ? (HEX_VALUE[code] ?? INVALID) : INVALID;
    if (digit < SEPARATOR) {
      key = (key << 4) | digit;
      if (++read === digits) return key;
    } else if (digit === INVALID) return NO_KEY;
  }
  return NO_KEY;
}

/**
 * The hex digits `hexKey` needs for `filter`: enough for the bits the filter's mask keeps (a filter
 * of 2^10 bits needs three), so that small filters read fewer characters of each fingerprint.
 */
export function hexDigitsFor(filter: BitFilter): number {
  const bits = 32 - Math.clz32(filter.mask);
  return Math.min(HEX_DIGITS, Math.ceil(bits / 4));
}

/** Key of an indexed domain (as `filterDomainSuffixes` computes it for each suffix of a host). */
export function domainKey(domain: string): number {
  let hash = FNV_OFFSET;
  for (let i = domain.length - 1; i >= 0; i--) hash = Math.imul(hash ^ domain.charCodeAt(i), FNV_PRIME);
  return finish(hash);
}

/** What `filterDomainSuffixes` found: the host is not in normal form, or the candidate suffixes. */
export const NOT_NORMAL = null;

function prepend(list: number[] | undefined, value: number): number[] {
  if (list === undefined) return [value];
  list.unshift(value);
  return list;
}

/**
 * For a host in the normal form of `isNormalDomain` (lower-case ASCII labels of 1–63
 * `[a-z0-9_-]`, none starting with `-`, at least two, not all digits, at most 253 chars), the
 * start offsets of its suffixes of two labels or more (the host itself included) whose key is in
 * `filter`, longest suffix first; `undefined` when there is none (the common case: no allocation).
 * `NOT_NORMAL` when the host is not in that form. One right-to-left pass: each suffix's key is the
 * running hash at the dot before it, so no suffix string is built.
 */
export function filterDomainSuffixes(host: string, filter: BitFilter): number[] | undefined | null {
  const length = host.length;
  if (length === 0 || length > 253) return NOT_NORMAL;
  let hash = FNV_OFFSET;
  let labels = 0;
  let labelLength = 0;
  let allDigits = true;
  let starts: number[] | undefined;
  for (let i = length - 1; i >= 0; i--) {
    const code = host.charCodeAt(i);
    if (code === 46 /* . */) {
      if (labelLength === 0 || host.charCodeAt(i + 1) === 45 /* - */) return NOT_NORMAL;
      labels++;
      if (labels >= 2 && hasKey(filter, finish(hash))) starts = prepend(starts, i + 1);
      labelLength = 0;
    } else {
      if (code >= 48 && code <= 57) {
        // a digit: the host may still be all digits and dots
      } else if ((code >= 97 && code <= 122) || code === 95 /* _ */ || code === 45 /* - */) allDigits = false;
      else return NOT_NORMAL;
      if (++labelLength > 63) return NOT_NORMAL;
    }
    hash = Math.imul(hash ^ code, FNV_PRIME);
  }
  if (labelLength === 0 || host.charCodeAt(0) === 45 /* - */) return NOT_NORMAL;
  if (labels === 0 || allDigits) return NOT_NORMAL;
  if (hasKey(filter, finish(hash))) starts = prepend(starts, 0);
  return starts;
}
