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

/** `[a-z0-9._-]`. */
function isIdChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 46 || code === 95 || code === 45
  );
}

/**
 * Key of a package id: FNV-1a of the id with ASCII upper case folded to lower case. Only for ids
 * made of `[A-Za-z0-9._-]` (for those, `normalizeAppId` is the folded id or `undefined`);
 * anything else (whitespace to trim, non-ASCII that `toLowerCase` may map) is `NO_KEY`.
 */
export function appIdKey(value: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < value.length; i++) {
    let code = value.charCodeAt(i);
    if (code >= 65 && code <= 90) code += 32;
    else if (!isIdChar(code)) return NO_KEY;
    hash = Math.imul(hash ^ code, FNV_PRIME);
  }
  return finish(hash);
}

const HEX_DIGITS = 8;

/**
 * Key of a hex fingerprint: its first eight hex digits as a number, upper case folded, skipping
 * the separators `normalizeHex` drops (`:` and ASCII whitespace), so the key of `AB:CD:…` is the
 * key of `abcd…`. Hash values are uniform, so their leading digits need no further hashing. Any
 * other character before the eighth digit, or fewer than eight digits, is `NO_KEY`.
 */
export function hexKey(value: string): number {
  let key = 0;
  let digits = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    let digit: number;
    if (code >= 48 && code <= 57) digit = code - 48;
    else if (code >= 97 && code <= 102) digit = code - 87;
    else if (code >= 65 && code <= 70) digit = code - 55;
    else if (code === 58 /* : */ || code === 32 || (code >= 9 && code <= 13)) continue;
    else return NO_KEY;
    key = (key << 4) | digit;
    if (++digits === HEX_DIGITS) return key >>> 0;
  }
  return NO_KEY;
}

/** Key of an indexed domain (as `domainSuffixKeys` computes it for each suffix of a host). */
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
