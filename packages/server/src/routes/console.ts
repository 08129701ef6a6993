import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AppError } from '../errors.ts';
import { authScope } from './route-auth.ts';

/** Where `npm run build -w @riskgate/console` writes the admin console. */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * The console's Content-Security-Policy: everything from this origin only (no inline scripts,
 * no CDNs), and the console may not be framed.
 */
export const CONSOLE_CSP =
  "default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Paths that belong to the API or operations: never answered with the console's index.html. */
const API_PREFIXES = ['/v1/', '/v1', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'];

const NOT_BUILT_HTML =
  '<!doctype html><meta charset="utf-8"><title>Riskgate</title><h1>Riskgate</h1>' +
  '<p>The admin console is not built. Run <code>npm run build -w @riskgate/console</code> ' +
  '(<code>npm start</code> does it for you).</p><p><a href="/docs">API docs</a></p>';

/** Options of {@link registerConsoleRoutes}. */
export interface ConsoleRouteOptions {
  /** The built console folder; defaults to {@link CONSOLE_DIST_DIR}. */
  readonly distDir?: string;
}

/** Resolves a URL path to a file under `root`, or `undefined` when it would escape it. */
export function resolveConsoleFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const base = normalize(root.endsWith(sep) ? root : root + sep);
  const full = normalize(join(base, decoded));
  return full.startsWith(base) ? full : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function isApiPath(path: string): boolean {
  return API_PREFIXES.some(
    (prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
  );
}

async function sendIndex(reply: FastifyReply, root: string) {
  reply.header('content-security-policy', CONSOLE_CSP).header('cache-control', 'no-cache');
  try {
    const html = await readFile(join(root, 'index.html'));
    return reply.type(CONTENT_TYPES['.html'] ?? 'text/html').send(html);
  } catch {
    return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT_HTML);
  }
}

/** For OpenAPI: before `npm run build -w @riskgate/console` the console answers 503 with a hint. */
const NOT_BUILT = { 503: { description: 'The console is not built', type: 'string' } } as const;

/**
 * Serves the built admin console: static files from `dist` with their content type, hashed
 * `assets/*` cached for a year (immutable), `index.html` revalidated, and every other non-API GET
 * answered with `index.html` so the console's own routes (`/devices/…`) survive a reload.
 */
export function registerConsoleRoutes(options: ConsoleRouteOptions = {}): FastifyPluginAsync {
  const root = options.distDir ?? CONSOLE_DIST_DIR;
  return async (app) => {
    authScope(app, 'public');
    app.get(
      '/',
      { schema: { tags: ['console'], summary: 'The admin console', response: NOT_BUILT } },
      async (_request, reply) => sendIndex(reply, root),
    );

    app.get(
      '/*',
      { schema: { tags: ['console'], summary: 'Console files and console routes', response: NOT_BUILT } },
      async (request, reply) => {
        const path = request.url.split('?')[0] ?? '/';
        if (isApiPath(path)) throw new AppError('not_found', 'no such route');
        const file = resolveConsoleFile(root, path);
        if (file === undefined) throw new AppError('not_found', 'no such file');
        if (await isFile(file)) {
          const immutable = path.startsWith('/assets/');
          reply
            .header('content-security-policy', CONSOLE_CSP)
            .header('x-content-type-options', 'nosniff')
            .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
          const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
          return reply.type(type).send(await readFile(file));
        }
        // A missing file (it has an extension) is a 404; anything else is a console route.
        if (extname(path) !== '') throw new AppError('not_found', 'no such file');
        return sendIndex(reply, root);
      },
    );
  };
}
