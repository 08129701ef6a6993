/** A small admin API client: bearer token on every call, `{ code, message, requestId }` errors. */

/** An API error reply (or a network failure, with status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Query values; `undefined` and `''` are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'DELETE' | 'PATCH', path: string, body?: unknown): Promise<T>;
}

export interface ApiClientOptions {
  readonly token: string;
  /** Called on any 401: the token is wrong, revoked or expired. */
  readonly onUnauthorized: () => void;
  readonly fetchFn?: typeof fetch;
}

/** Builds `path?query` without empty values. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function parseError(response: Response): Promise<ApiError> {
  let code = 'http_error';
  let message = `${response.status} ${response.statusText}`.trim();
  let requestId: string | undefined;
  try {
    const body = (await response.json()) as { code?: unknown; message?: unknown; requestId?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = body.message;
    if (typeof body.requestId === 'string') requestId = body.requestId;
  } catch {
    // Not JSON (a proxy error page): keep the status line.
  }
  return new ApiError(response.status, code, message, requestId);
}

/** Creates a client bound to one admin token. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchFn = options.fetchFn ?? fetch.bind(globalThis);
  async function call<T>(method: string, path: string, body?: string, contentType?: string): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
    };
    if (contentType !== undefined) headers['content-type'] = contentType;
    let response: Response;
    try {
      response = await fetchFn(path, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      throw new ApiError(0, 'network_error', error instanceof Error ? error.message : 'network error');
    }
    if (response.status === 401) {
      options.onUnauthorized();
      throw await parseError(response);
    }
    if (!response.ok) throw await parseError(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
  return {
    get: (path, query) => call('GET', withQuery(path, query)),
    send: (method, path, body) =>
      body === undefined ? call(method, path) : call(method, path, JSON.stringify(body), 'application/json'),
  };
}
