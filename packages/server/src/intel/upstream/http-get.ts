import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, isIPv4 } from 'node:net';

/** A failed fetch: the message is what feed health shows (no secrets, no response bodies). */
export class UpstreamFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamFetchError';
  }
}

export interface GetOptions {
  /** Extra request headers (Accept, Authorization, validators). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body is refused once it is larger than this. */
  readonly maxBytes: number;
  /**
   * Deadline of each request in ms (default 30 s), from the request's start to the body's end:
   * a server that sends slowly (a byte at a time) is cut off at it, not only one that goes quiet.
   * Each redirect hop and each sub-request (MISP events, TAXII pages) has its own deadline.
   */
  readonly timeoutMs?: number;
  /** Redirects followed (default 3); `Authorization` is dropped when one leaves the origin. */
  readonly maxRedirects?: number;
  /**
   * Private addresses that may be fetched (the `upstreamAllowPrivate` setting,
   * `RISKGATE_UPSTREAM_ALLOW_PRIVATE`, parsed by {@link allowListOf}); default none.
   */
  readonly allowPrivate?: BlockList;
}

/**
 * Addresses an upstream may not be at (SSRF): a tenant admin chooses the URL, so without this the
 * server would fetch its own metadata service, database port or internal network for them.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds any IPv4 address)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

/**
 * The allow-list of private addresses upstreams may be at (on-premises feeds): CIDRs (`10.1.2.0/24`,
 * `fd00::/8`) or single addresses. Throws naming the entry that is neither.
 */
export function allowListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
    if (
      family === 0 ||
      extra !== undefined ||
      !Number.isInteger(bits) ||
      bits < 0 ||
      bits > (family === 4 ? 32 : 128) ||
      (prefix !== undefined && !/^\d+$/.test(prefix))
    )
      throw new Error(`upstreamAllowPrivate: ${JSON.stringify(entry)} is not an address or CIDR`);
    list.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for. */
function mappedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address);
  if (groups === undefined) return undefined;
  if (groups.slice(0, 5).some((g) => g !== 0) || groups[5] !== 0xffff) return undefined;
  const [hi = 0, lo = 0] = groups.slice(6);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function expandIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const groups =
    tail === undefined ? front : [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

/**
 * Why `address` may not be fetched (undefined: it may): it is loopback, link-local, private (RFC
 * 1918, ULA), CGNAT, multicast or reserved, directly or as an IPv4-mapped IPv6 address, and not
 * on the allow-list.
 */
export function refusedAddress(address: string, allow?: BlockList): string | undefined {
  const v4 = isIPv4(address) ? address : mappedIPv4(address);
  const [checked, family] = v4 !== undefined ? [v4, 'ipv4' as const] : [address, 'ipv6' as const];
  if (!PRIVATE.check(checked, family)) return undefined;
  if (allow?.check(checked, family) === true) return undefined;
  return `${address} is a loopback, link-local, private or reserved address (allow it with RISKGATE_UPSTREAM_ALLOW_PRIVATE)`;
}

/** A `lookup` for `http(s).request` that refuses private addresses: checked after resolution, before any connection. */
function guardedLookup(allow: BlockList | undefined) {
  return (
    hostname: string,
    options: { family?: number | string; all?: boolean; hints?: number },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    dnsLookup(
      hostname,
      { family: family as 0 | 4 | 6, all: true, ...(options.hints ? { hints: options.hints } : {}) },
      (error, addresses) => {
        if (error !== null) {
          callback(error, []);
          return;
        }
        for (const { address } of addresses) {
          const refused = refusedAddress(address, allow);
          if (refused !== undefined) {
            callback(new UpstreamFetchError(`refused: ${hostname} resolves to ${refused}`), []);
            return;
          }
        }
        if (options.all === true) callback(null, addresses);
        else {
          const [first] = addresses;
          if (first === undefined) callback(new UpstreamFetchError(`${hostname} has no address`), []);
          else callback(null, first.address, first.family);
        }
      },
    );
  };
}

export type GetResult =
  | { readonly status: 304; readonly headers: IncomingHttpHeaders }
  | { readonly status: 200; readonly headers: IncomingHttpHeaders; readonly body: Buffer };

/**
 * One GET over `node:http(s)`, read within a size limit (the `Content-Length` is checked first,
 * then every chunk, so an oversize body is never held whole) and a deadline for the whole request
 * (`timeoutMs`). 200 and 304 are results; anything else, a timeout or a body over the limit is an
 * {@link UpstreamFetchError}.
 *
 * SSRF: the host (a literal address, or every address its name resolves to, through the request's
 * `lookup`, before connecting) must not be loopback, link-local, private, CGNAT, multicast or
 * reserved unless `allowPrivate` holds it; this holds for every redirect hop, which is a new call.
 * Redirects to another origin drop `Authorization`.
 */
export async function httpGet(url: string, options: GetOptions, redirects = 0): Promise<GetResult> {
  const target = parseUrl(url);
  const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(literal) !== 0) {
    const refused = refusedAddress(literal, options.allowPrivate);
    if (refused !== undefined) throw new UpstreamFetchError(`refused: ${refused}`);
  }
  const get = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let deadline: NodeJS.Timeout | undefined;
  const result = await new Promise<GetResult | { redirect: string }>((resolve, reject) => {
    const req = get(
      target,
      { method: 'GET', headers: { ...options.headers }, lookup: guardedLookup(options.allowPrivate) },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status === 304) {
          res.resume();
          resolve({ status: 304, headers: res.headers });
          return;
        }
        if (status >= 300 && status < 400 && typeof res.headers.location === 'string') {
          res.resume();
          resolve({ redirect: new URL(res.headers.location, target).toString() });
          return;
        }
        if (status !== 200) {
          res.resume();
          reject(new UpstreamFetchError(`HTTP ${status} from ${target.host}${target.pathname}`));
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          res.destroy();
          reject(
            new UpstreamFetchError(`refused: ${declared} bytes is over the limit of ${options.maxBytes}`),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            res.destroy();
            reject(
              new UpstreamFetchError(`refused: the body is over the limit of ${options.maxBytes} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: 200, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (error) =>
          reject(new UpstreamFetchError(`reading the body failed: ${error.message}`)),
        );
      },
    );
    // A deadline for the whole request, not an idle timeout: a slow drip does not extend it.
    deadline = setTimeout(() => {
      reject(new UpstreamFetchError(`timed out after ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) =>
      reject(
        error instanceof UpstreamFetchError
          ? error
          : new UpstreamFetchError(`request failed: ${error.message}`),
      ),
    );
    req.end();
  }).finally(() => clearTimeout(deadline));
  if (!('redirect' in result)) return result;
  if (redirects >= (options.maxRedirects ?? 3)) throw new UpstreamFetchError('too many redirects');
  const next = parseUrl(result.redirect);
  const sameOrigin = next.origin === target.origin;
  const headers = { ...options.headers };
  if (!sameOrigin) delete headers.authorization;
  return httpGet(result.redirect, { ...options, headers }, redirects + 1);
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UpstreamFetchError('not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UpstreamFetchError(`unsupported scheme ${parsed.protocol}`);
  return parsed;
}

/** A response header as one string (the first when repeated). */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
