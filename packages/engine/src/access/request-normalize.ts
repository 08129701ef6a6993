/**
 * Normalisation of what enforcement points pass on (Host header, original URI), so that a request
 * cannot dodge a resource by spelling: `MAIL.example.com:443.` is `mail.example.com`, and
 * `/public/..%2Fpayroll` or `//payroll/./x` are judged as `/payroll/...`.
 */

/** Lower-cases a host and drops the port, brackets of an IPv6 literal and a trailing dot. */
export function normalizeRequestHost(host: string): string {
  let h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end === -1 ? h.slice(1) : h.slice(1, end);
  } else {
    const colon = h.indexOf(':');
    // More than one colon: a bare IPv6 address, which has no port.
    if (colon !== -1 && h.indexOf(':', colon + 1) === -1) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

const NEEDS_WORK = /[%\\]|\/\/|\/\.(?:\/|\.|$)/;

/**
 * The path part of a request URI with query and fragment removed, encoded dots and slashes
 * decoded, backslashes read as slashes, empty and dot segments resolved (never above `/`).
 * Percent-encodings other than dots and slashes are kept as they are.
 */
export function normalizeRequestPath(uri: string): string {
  let path = uri;
  if (path.length === 0 || path[0] !== '/') {
    // Absolute-form URIs (`https://host/path`) as some proxies pass them.
    const scheme = path.indexOf('://');
    if (scheme !== -1) {
      const slash = path.indexOf('/', scheme + 3);
      path = slash === -1 ? '/' : path.slice(slash);
    } else {
      path = `/${path}`;
    }
  }
  const query = path.indexOf('?');
  if (query !== -1) path = path.slice(0, query);
  const fragment = path.indexOf('#');
  if (fragment !== -1) path = path.slice(0, fragment);
  if (!NEEDS_WORK.test(path)) return path;

  path = path
    .replace(/%2e/gi, '.')
    .replace(/%2f|%5c/gi, '/')
    .replace(/\\/g, '/');

  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const trailing = path.endsWith('/') || path.endsWith('/.') || path.endsWith('/..');
  const joined = `/${out.join('/')}`;
  return trailing && out.length > 0 ? `${joined}/` : joined;
}

/**
 * True when `path` starts with `prefix` (already lower-case), ignoring ASCII case, on a segment
 * boundary: `/owa` covers `/owa`, `/OWA/x` and `/owa?q`, not `/owablah`. Case is ignored because
 * servers such as IIS ignore it, so `/OWA` must not slip past a resource for `/owa`.
 */
export function pathHasPrefix(path: string, prefix: string): boolean {
  const n = prefix.length;
  if (path.length < n) return false;
  for (let i = 0; i < n; i++) {
    let c = path.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== prefix.charCodeAt(i)) return false;
  }
  if (path.length === n || prefix.charCodeAt(n - 1) === 47) return true;
  return path.charCodeAt(n) === 47;
}
