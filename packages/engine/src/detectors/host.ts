import { domainToASCII } from 'node:url';

/** True when `host` is already lower-case printable ASCII without a trailing dot (the common case). */
function isNormalAscii(host: string): boolean {
  const length = host.length;
  if (length === 0 || host.charCodeAt(length - 1) === 46 /* . */) return false;
  for (let i = 0; i < length; i++) {
    const code = host.charCodeAt(i);
    if (code <= 32 || code >= 127 || (code >= 65 && code <= 90)) return false;
  }
  return true;
}

/**
 * Normalises a host name the way the intel index stores domains: lower-case, IDN as punycode, no
 * trailing dot. Already-normal hosts are returned as they are (no allocation). A host that cannot be
 * converted is returned lower-cased.
 */
export function normalizeHost(host: string): string {
  if (isNormalAscii(host)) return host;
  let text = host.trim().toLowerCase();
  while (text.endsWith('.')) text = text.slice(0, -1);
  const ascii = domainToASCII(text);
  return ascii === '' ? text : ascii;
}
