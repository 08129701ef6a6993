import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Lower-case Crockford base32 of `bytes` random bytes. */
export function randomBase32(bytes: number): string {
  const buffer = randomBytes(bytes);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buffer) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Id prefixes, one per kind of row. */
export type IdPrefix =
  | 'ten'
  | 'adm'
  | 'tok'
  | 'enr'
  | 'dev'
  | 'thr'
  | 'his'
  | 'out'
  | 'pol'
  | 'apo'
  | 'res'
  | 'fee'
  | 'rea'
  | 'prx';

/** A new prefixed random id, e.g. `dev_0f3k…` (120 bits of randomness). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase32(15)}`;
}

/**
 * A generator of prefixed unique ids for rows written at a high rate (the access log): a random
 * part drawn once per generator (60 bits) and a counter, so each id costs no call for random bytes.
 * Same length and alphabet as {@link newId}; ids of one generator sort in creation order.
 */
export function createSequentialIds(prefix: string): () => string {
  const base = randomBase32(8).slice(0, 12);
  let counter = 0;
  return () => {
    counter++;
    let n = counter;
    let digits = '';
    for (let i = 0; i < 12; i++) {
      digits = ALPHABET[n % 32] + digits;
      n = Math.floor(n / 32);
    }
    return `${prefix}_${base}${digits}`;
  };
}
