import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

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
  /** Whole-request timeout in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Redirects followed (default 3); `Authorization` is dropped when one leaves the origin. */
  readonly maxRedirects?: number;
}

export type GetResult =
  | { readonly status: 304; readonly headers: IncomingHttpHeaders }
  | { readonly status: 200; readonly headers: IncomingHttpHeaders; readonly body: Buffer };

/**
 * One GET over `node:http(s)`, read within a size limit (the `Content-Length` is checked first,
 * then every chunk, so an oversize body is never held whole). 200 and 304 are results; anything
 * else, a timeout or a body over the limit is an {@link UpstreamFetchError}.
 */
export async function httpGet(url: string, options: GetOptions, redirects = 0): Promise<GetResult> {
  const target = parseUrl(url);
  const get = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const result = await new Promise<GetResult | { redirect: string }>((resolve, reject) => {
    const req = get(target, { method: 'GET', headers: { ...options.headers }, timeout: timeoutMs }, (res) => {
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
        reject(new UpstreamFetchError(`refused: ${declared} bytes is over the limit of ${options.maxBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          res.destroy();
          reject(new UpstreamFetchError(`refused: the body is over the limit of ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: 200, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (error) => reject(new UpstreamFetchError(`reading the body failed: ${error.message}`)));
    });
    req.on('timeout', () => {
      req.destroy(new UpstreamFetchError(`timed out after ${timeoutMs} ms`));
    });
    req.on('error', (error) =>
      reject(
        error instanceof UpstreamFetchError
          ? error
          : new UpstreamFetchError(`request failed: ${error.message}`),
      ),
    );
    req.end();
  });
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
