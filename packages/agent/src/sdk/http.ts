import { asErrorBody, type ErrorBody } from './wire.ts';

/** A non-2xx reply from the server, with its `{ code, message, requestId }` body. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  /** The reply's `Retry-After` in milliseconds (seconds or an HTTP date), when it had a valid one. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, body: ErrorBody | undefined, retryAfterMs?: number) {
    super(`server answered ${status}${body === undefined ? '' : ` ${body.code}: ${body.message}`}`);
    this.status = status;
    this.code = body?.code ?? `http_${status}`;
    this.requestId = body?.requestId ?? '';
    this.retryAfterMs = retryAfterMs;
  }

  /** Worth retrying later: the server or the path to it is in trouble, not the request. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408 || this.code === 'stale_request';
  }
}

/** The request could not reach the server (refused, reset, timeout). Always retryable. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  readonly retryable = true;
}

/** The slice of `fetch` the SDK uses; injectable in tests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface SendInput {
  readonly fetch: FetchLike;
  readonly server: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/**
 * Sends one request and parses the JSON reply. Global `fetch` (undici) keeps connections alive by
 * default, so a long-running agent or the simulator reuses sockets.
 */
export async function sendJson(input: SendInput): Promise<unknown> {
  let response: Response;
  try {
    response = await input.fetch(new URL(input.path, input.server).toString(), {
      method: input.method,
      headers: {
        accept: 'application/json',
        ...(input.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...input.headers,
      },
      ...(input.method === 'POST' ? { body: input.body } : {}),
      signal: AbortSignal.timeout(input.timeoutMs),
    });
  } catch (error) {
    throw new NetworkError(
      `cannot reach ${input.server}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok)
    throw new ServerError(
      response.status,
      asErrorBody(parsed),
      parseRetryAfter(response.headers.get('retry-after'), Date.now()),
    );
  return parsed;
}

/** `Retry-After` (delay-seconds or an HTTP date) in milliseconds from `nowMs`; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
