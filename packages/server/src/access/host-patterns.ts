import { domainToASCII } from 'node:url';

/**
 * A resource or gateway host pattern in its one spelling: lower case, without a trailing dot, an
 * internationalised name in its punycode (`xn--`) form, so that every spelling of one host is one
 * claim. (The host schema admits ASCII names only today; this keeps claims right if it widens.)
 */
export function normalizeHostPattern(pattern: string): string {
  let host = pattern.trim();
  if (host.endsWith('.')) host = host.slice(0, -1);
  const wildcard = host.startsWith('*.');
  const name = wildcard ? host.slice(2) : host;
  // domainToASCII lower-cases and applies IDNA; it answers '' for what is not a domain name.
  const ascii = domainToASCII(name) || name.toLowerCase();
  return wildcard ? `*.${ascii}` : ascii;
}

/** Whether wildcard `*.base` covers normalised `pattern` (any name strictly below `base`). */
function covers(wildcard: string, pattern: string): boolean {
  if (!wildcard.startsWith('*.')) return false;
  const suffix = wildcard.slice(1); // `.example.com`
  const name = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  return name.endsWith(suffix) && name.length > suffix.length;
}

/**
 * Whether two host patterns can match one request host: the same pattern (in any spelling), or
 * one's wildcard covering the other's name or wildcard. `*.example.com` does not cover
 * `example.com`, as the resource matcher reads it.
 */
export function hostPatternsOverlap(a: string, b: string): boolean {
  const x = normalizeHostPattern(a);
  const y = normalizeHostPattern(b);
  return x === y || covers(x, y) || covers(y, x);
}
