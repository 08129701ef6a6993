import { type ApiClient, ApiError } from './api.ts';

/**
 * Which optional endpoints this server has: each is asked once; only a 404 hides it (a 403 means
 * it exists but the role may not read it, and the page says so).
 */
export async function probeEndpoints(api: ApiClient, paths: readonly string[]): Promise<Set<string>> {
  const answers = await Promise.all(
    paths.map(async (path) => {
      try {
        await api.get(path);
        return path;
      } catch (error) {
        return error instanceof ApiError && (error.status === 404 || error.status === 0) ? undefined : path;
      }
    }),
  );
  return new Set(answers.filter((path): path is string => path !== undefined));
}

interface OpenApiDoc {
  readonly paths?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Every `METHOD path` of the server's public /openapi.json (empty on failure: pages stay read-only). */
export async function loadOperations(fetchFn: typeof fetch = fetch.bind(globalThis)): Promise<Set<string>> {
  const out = new Set<string>();
  try {
    const response = await fetchFn('/openapi.json', { headers: { accept: 'application/json' } });
    if (!response.ok) return out;
    const doc = (await response.json()) as OpenApiDoc;
    for (const [path, methods] of Object.entries(doc.paths ?? {}))
      for (const method of Object.keys(methods)) out.add(`${method.toUpperCase()} ${path}`);
  } catch {
    // No OpenAPI: pages fall back to read-only.
  }
  return out;
}
