import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIntelIndex, type IntelLookup, type ParsedFeed, withFeedRecord } from '@riskgate/engine';
import type { Logger } from 'pino';
import { type IntelFileReport, type LoadIntelOptions, loadIntelFiles } from './load-files.ts';

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

/**
 * Start-up intel (`riskgate serve`, RISKGATE_INTEL_PATHS): loads `paths` with the one intel loader
 * (`loadIntelFiles`, the same as `riskgate intel import` and `riskgate assess --intel`, so one
 * folder gives one indicator set everywhere) into one index shared by all tenants. Every file that
 * is skipped or fails is logged with its reason (never silently) and listed in `files`.
 */
export async function loadIntelSource(
  paths: readonly string[],
  logger: Pick<Logger, 'info' | 'warn'>,
  options: LoadIntelOptions = {},
): Promise<
  IntelSource & { readonly feeds: readonly ParsedFeed[]; readonly files: readonly IntelFileReport[] }
> {
  const result = await loadIntelFiles(paths, options);
  for (const file of result.files) {
    if (file.status === 'skipped')
      logger.info({ path: file.path, reason: file.reason }, 'intel file skipped');
    else if (file.status === 'error')
      logger.warn({ path: file.path, reason: file.reason }, 'intel file not loaded');
  }
  // Evidence names the file and the start-up time the indicators were loaded at.
  const loadedAt = new Date().toISOString();
  const feeds = result.feeds.map((feed) =>
    withFeedRecord(feed, {
      id: `startup:${feed.source}`,
      name: feed.source,
      importedAt: loadedAt,
      via: 'startup',
    }),
  );
  const index = buildIntelIndex(feeds);
  return { lookup: () => index, feeds, files: result.files };
}
