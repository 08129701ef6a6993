/**
 * What attestation verification trusts: Google's hardware attestation roots (loaded once, at
 * start) and the attestation status (revocation) list, loaded at start from a file or URL and,
 * for a URL, refreshed on a schedule with conditional requests. A failed refresh keeps the last
 * good list and says so in `status()` (exported as metrics); it never empties the list.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EMPTY_REVOCATION_LIST,
  parseRevocationList,
  parseTrustedRoots,
  type RevocationList,
  type TrustedRoots,
} from '@riskgate/engine';
import type { Logger } from 'pino';

/** The revocation list's provenance and freshness. */
export interface RevocationStatus {
  /** File path or URL. */
  readonly source: string;
  readonly entries: number;
  /** When the list in use was loaded (ISO), absent when none ever loaded. */
  readonly loadedAt?: string;
  readonly lastAttemptAt?: string;
  /** The last refresh error; cleared by a successful refresh. */
  readonly lastError?: string;
  /** `true` when the last load or refresh failed (the previous list is still in use). */
  readonly stale: boolean;
  readonly failures: number;
}

/** Roots and the current revocation list, as report ingestion sees them. */
export interface AttestationTrust {
  readonly roots: TrustedRoots;
  /** The number of root certificate files loaded. */
  readonly rootFiles: number;
  revocations(): RevocationList;
  status(): RevocationStatus;
  /** Fetches (URL) or re-reads (file) the list now; keeps the last good list on failure. */
  refresh(): Promise<void>;
  /**
   * Refreshes on a schedule: a URL per Cache-Control max-age (clamped to 1 h … 24 h), a file hourly
   * (so an imported list reaches a running server).
   */
  startRefresh(): void;
  stop(): void;
}

/** Root PEM files of a directory (`.pem` / `.crt`, except a concatenated `all_roots.pem`). */
export function readRootPems(directory: string): string[] {
  const names = readdirSync(directory)
    .filter((name) => (name.endsWith('.pem') || name.endsWith('.crt')) && name !== 'all_roots.pem')
    .sort();
  if (names.length === 0) throw new Error(`no .pem root certificates in ${directory}`);
  return names.map((name) => readFileSync(join(directory, name), 'utf8'));
}

const isUrl = (source: string) => /^https?:\/\//i.test(source);
const HOUR = 3_600_000;

function refreshDelay(cacheControl: string | null): number {
  const maxAge = cacheControl === null ? undefined : /max-age=(\d+)/i.exec(cacheControl)?.[1];
  const ms = maxAge === undefined ? 24 * HOUR : Number(maxAge) * 1000;
  return Math.min(24 * HOUR, Math.max(HOUR, ms));
}

/** Options of {@link createAttestationTrust}. */
export interface AttestationTrustOptions {
  readonly rootPems: readonly string[];
  /** File path or http(s) URL of the status list; none: an empty list (logged as such). */
  readonly revocations?: string;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

/**
 * Builds the trust: parses the roots and loads the revocation list once. A URL that cannot be
 * fetched at start leaves the server running with an empty list marked stale (so readiness and
 * metrics say so) until a refresh succeeds; a file that cannot be read or parsed fails the start.
 */
export async function createAttestationTrust(options: AttestationTrustOptions): Promise<AttestationTrust> {
  const roots = parseTrustedRoots(options.rootPems);
  const source = options.revocations;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  let list: RevocationList = EMPTY_REVOCATION_LIST;
  let loadedAt: string | undefined;
  let lastAttemptAt: string | undefined;
  let lastError: string | undefined;
  let failures = 0;
  let etag: string | null = null;
  let lastModified: string | null = null;
  let nextDelay = 24 * HOUR;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function load(): Promise<void> {
    if (source === undefined) return;
    if (!isUrl(source)) {
      list = parseRevocationList(readFileSync(source, 'utf8'));
      loadedAt = now().toISOString();
      return;
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (etag !== null) headers['if-none-match'] = etag;
    if (lastModified !== null) headers['if-modified-since'] = lastModified;
    const response = await doFetch(source, { headers, signal: AbortSignal.timeout(30_000) });
    nextDelay = refreshDelay(response.headers.get('cache-control'));
    if (response.status === 304 && loadedAt !== undefined) {
      loadedAt = now().toISOString();
      return;
    }
    if (!response.ok) throw new Error(`GET ${source}: HTTP ${response.status}`);
    const parsed = parseRevocationList(await response.text());
    list = parsed;
    etag = response.headers.get('etag');
    lastModified = response.headers.get('last-modified');
    loadedAt = now().toISOString();
  }

  async function refresh(): Promise<void> {
    lastAttemptAt = now().toISOString();
    try {
      await load();
      lastError = undefined;
    } catch (error) {
      failures += 1;
      lastError = error instanceof Error ? error.message : String(error);
      options.logger.error(
        { source, err: error, entries: list.entries.size },
        'attestation revocation list refresh failed; keeping the last good list',
      );
    }
  }

  if (source === undefined) {
    options.logger.warn('no attestation revocation list configured (RISKGATE_ATTESTATION_REVOCATIONS)');
  } else if (isUrl(source)) {
    await refresh();
  } else {
    await load(); // a broken file is a configuration error: fail the start
  }

  const trust: AttestationTrust = {
    roots,
    rootFiles: options.rootPems.length,
    revocations: () => list,
    status: () => ({
      source: source ?? 'none',
      entries: list.entries.size,
      ...(loadedAt === undefined ? {} : { loadedAt }),
      ...(lastAttemptAt === undefined ? {} : { lastAttemptAt }),
      ...(lastError === undefined ? {} : { lastError }),
      stale: lastError !== undefined || (source !== undefined && loadedAt === undefined),
      failures,
    }),
    refresh,
    startRefresh() {
      if (source === undefined || timer !== undefined) return;
      if (!isUrl(source)) nextDelay = HOUR;
      const schedule = () => {
        if (stopped) return;
        timer = setTimeout(
          () => {
            void refresh().finally(schedule);
          },
          lastError === undefined ? nextDelay : Math.min(nextDelay, HOUR),
        );
        timer.unref();
      };
      schedule();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
  return trust;
}

/** Default locations under the datasets folder (the server passes `defaultDatasetsDir()`). */
export function defaultAttestationPaths(datasetsDir: string): { roots: string; revocations?: string } {
  const revocations = join(datasetsDir, 'android-attestation-revocation', 'status.json');
  return {
    roots: join(datasetsDir, 'google-hardware-attestation-roots'),
    ...(existsSync(revocations) ? { revocations } : {}),
  };
}

/** Trust in nothing: every chain fails as `untrusted-root` (no roots configured). */
export const NO_ATTESTATION_TRUST: AttestationTrust = {
  roots: { byPublicKey: new Map() },
  rootFiles: 0,
  revocations: () => EMPTY_REVOCATION_LIST,
  status: () => ({ source: 'none', entries: 0, stale: false, failures: 0 }),
  refresh: async () => {},
  startRefresh: () => {},
  stop: () => {},
};
