import { normalizeRequestHost, normalizeRequestPath, pathHasPrefix } from './request-normalize.ts';
import type { Resource } from './schema.ts';

/** An HTTP request as an enforcement point sees it: the Host header and the original URI. */
export interface HttpTarget {
  readonly host: string;
  readonly path: string;
}

/** How well a host pattern matches: exact beats wildcard, a longer wildcard beats a shorter one. */
function hostScore(pattern: string, host: string): number {
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1); // `.example.com`
    return host.length > suffix.length && host.endsWith(suffix) ? suffix.length : -1;
  }
  return pattern === host ? 1_000 : -1;
}

function normalizePattern(pattern: string): string {
  return normalizeRequestHost(pattern);
}

function prefixOf(resource: Resource): string {
  return (resource.pathPrefix ?? '/').toLowerCase();
}

/**
 * Maps an HTTP request to the `http-app` resource that protects it: the most specific host wins
 * (exact over `*.` wildcard over "any host"), then the longest path prefix. Host is matched
 * without case or port; the path is normalised and matched on segment boundaries, ignoring case.
 * A linear scan: for many resources or hot paths use `compileResourceIndex`.
 */
export function matchResource(resources: readonly Resource[], target: HttpTarget): Resource | undefined {
  const host = normalizeRequestHost(target.host);
  const path = normalizeRequestPath(target.path);
  let best: Resource | undefined;
  let bestHost = -2;
  let bestPrefix = -1;
  for (const resource of resources) {
    if (resource.kind !== 'http-app') continue;
    let score = -1;
    if (resource.hosts === undefined || resource.hosts.length === 0) score = 0;
    else {
      for (const pattern of resource.hosts)
        score = Math.max(score, hostScore(normalizePattern(pattern), host));
    }
    if (score < 0 || score < bestHost) continue;
    const prefix = prefixOf(resource);
    if (!pathHasPrefix(path, prefix)) continue;
    if (score > bestHost || prefix.length > bestPrefix) {
      best = resource;
      bestHost = score;
      bestPrefix = prefix.length;
    }
  }
  return best;
}

/** The `wifi` resource for an SSID (exact, case-sensitive, as RADIUS reports it). */
export function matchWifiResource(resources: readonly Resource[], ssid: string): Resource | undefined {
  return resources.find((r) => r.kind === 'wifi' && r.ssid === ssid);
}

/** The `oidc-client` resource for an OAuth client id. */
export function matchOidcClientResource(
  resources: readonly Resource[],
  clientId: string,
): Resource | undefined {
  return resources.find((r) => r.kind === 'oidc-client' && r.clientId === clientId);
}

interface PrefixEntry {
  readonly prefix: string;
  readonly resource: Resource;
}

/** Resources indexed for per-request matching (see `compileResourceIndex`). */
export interface ResourceIndex {
  /** Same result as `matchResource(resources, target)`. */
  matchHttp(target: HttpTarget): Resource | undefined;
  matchWifi(ssid: string): Resource | undefined;
  matchOidcClient(clientId: string): Resource | undefined;
  byId(id: string): Resource | undefined;
}

function addEntry(map: Map<string, PrefixEntry[]>, key: string, entry: PrefixEntry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

function firstPrefixMatch(entries: readonly PrefixEntry[] | undefined, path: string): Resource | undefined {
  if (entries === undefined) return undefined;
  for (const entry of entries) if (pathHasPrefix(path, entry.prefix)) return entry.resource;
  return undefined;
}

/** Longest prefix first; among equal prefixes the earlier resource wins, as in `matchResource`. */
const byPrefixLength = (a: PrefixEntry, b: PrefixEntry): number => b.prefix.length - a.prefix.length;

/**
 * Indexes resources once so that each request costs a map lookup per host suffix plus a scan of
 * that host's prefixes. Rebuild it when the resources change; the input is not watched.
 */
export function compileResourceIndex(resources: readonly Resource[]): ResourceIndex {
  const exact = new Map<string, PrefixEntry[]>();
  const wildcard = new Map<string, PrefixEntry[]>(); // key: suffix without the `*.`
  const anyHost: PrefixEntry[] = [];
  const wifi = new Map<string, Resource>();
  const oidc = new Map<string, Resource>();
  const ids = new Map<string, Resource>();

  for (const resource of resources) {
    if (!ids.has(resource.id)) ids.set(resource.id, resource);
    if (resource.kind === 'wifi' && resource.ssid !== undefined && !wifi.has(resource.ssid)) {
      wifi.set(resource.ssid, resource);
    }
    if (resource.kind === 'oidc-client' && resource.clientId !== undefined && !oidc.has(resource.clientId)) {
      oidc.set(resource.clientId, resource);
    }
    if (resource.kind !== 'http-app') continue;
    const entry = { prefix: prefixOf(resource), resource };
    if (resource.hosts === undefined || resource.hosts.length === 0) {
      anyHost.push(entry);
      continue;
    }
    for (const pattern of new Set(resource.hosts.map(normalizePattern))) {
      if (pattern.startsWith('*.')) addEntry(wildcard, pattern.slice(2), entry);
      else addEntry(exact, pattern, entry);
    }
  }
  for (const list of [...exact.values(), ...wildcard.values(), anyHost]) list.sort(byPrefixLength);

  return {
    matchHttp(target) {
      const host = normalizeRequestHost(target.host);
      const path = normalizeRequestPath(target.path);
      const hit = firstPrefixMatch(exact.get(host), path);
      if (hit !== undefined) return hit;
      // Longest wildcard suffix first: `a.b.example.com` tries `b.example.com`, then `example.com`.
      for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
        const found = firstPrefixMatch(wildcard.get(host.slice(dot + 1)), path);
        if (found !== undefined) return found;
      }
      return firstPrefixMatch(anyHost, path);
    },
    matchWifi: (ssid) => wifi.get(ssid),
    matchOidcClient: (clientId) => oidc.get(clientId),
    byId: (id) => ids.get(id),
  };
}
