import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIntelIndex, type IntelLookup, parseIntelFile } from '@riskgate/engine';
import type { Logger } from 'pino';

/**
 * Where report ingestion gets its threat intelligence. A seam: the intel feature (feeds in the
 * database, scheduled sync) can supply its own implementation.
 */
export interface IntelSource {
  /** The current index for a tenant. */
  lookup(tenantId: string): IntelLookup;
}

/** An empty index (nothing listed), for tests that do not need intel. */
export const EMPTY_INTEL: IntelSource = {
  lookup: () => ({ find: () => undefined, findDomain: () => undefined }),
};

/** `<repoRoot>/../shared/datasets`, overridable with `RISKGATE_DATASETS`. */
export function defaultDatasetsDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.RISKGATE_DATASETS) return resolve(env.RISKGATE_DATASETS);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  return resolve(repoRoot, '..', 'shared', 'datasets');
}

function* filesUnder(path: string): Generator<string> {
  const stats = statSync(path);
  if (stats.isFile()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path).sort()) {
    if (entry.startsWith('.')) continue;
    yield* filesUnder(join(path, entry));
  }
}

/**
 * Loads every intel file it recognises under `paths` (files or folders) once, at start, into one
 * index shared by all tenants. Files in unknown formats are skipped; parse errors are logged.
 */
export function loadIntelFromPaths(
  paths: readonly string[],
  logger: Logger,
): IntelSource & { readonly files: number } {
  const feeds = [];
  for (const root of paths) {
    if (!existsSync(root)) {
      logger.warn({ path: root }, 'intel path does not exist');
      continue;
    }
    for (const file of filesUnder(root)) {
      if (statSync(file).size > 64 * 1024 * 1024) continue;
      try {
        feeds.push(parseIntelFile(readFileSync(file, 'utf8'), file));
      } catch (error) {
        logger.debug({ path: file, err: error }, 'not an intel file');
      }
    }
  }
  const index = buildIntelIndex(feeds);
  return { lookup: () => index, files: feeds.length };
}
