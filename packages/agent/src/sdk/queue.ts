import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './files.ts';
import type { ReportBody } from './wire.ts';

/** One report waiting on disk to be delivered. */
export interface QueuedReport {
  /** File name: `<12-digit sequence>-<reportId>.json`; the order of delivery. */
  readonly file: string;
  readonly sequence: number;
  readonly body: ReportBody;
  readonly enqueuedAt: string;
  /** Delivery rounds that ended in a server error (5xx) so far. */
  readonly failures: number;
  readonly lastError?: string;
}

/** A report set aside as poison: kept on disk with why, never sent again by the agent. */
export interface PoisonedReport {
  readonly file: string;
  readonly reportId: string;
  readonly enqueuedAt: string;
  readonly poisonedAt: string;
  readonly failures: number;
  readonly lastError: string;
}

const ENTRY = /^(\d{12})-([0-9a-fA-F-]{36})\.json$/;

/**
 * The offline queue: one JSON file per report in `<dir>`, written atomically (temp file, fsync,
 * rename), so a crash or kill never leaves a half-written report and a restart finds every report
 * that was not yet acknowledged, in order. Delivery removes the file; a report that keeps failing
 * (see the agent client) moves to `poison/` beside the queue (`<dir>/../poison/`), with its last error,
 * so the reports behind it are delivered.
 */
export interface ReportQueue {
  enqueue(body: ReportBody, now: string): Promise<QueuedReport>;
  /** Queued reports, oldest first. */
  list(): Promise<QueuedReport[]>;
  remove(entry: QueuedReport): Promise<void>;
  /** Counts one failed delivery round (kept on disk); returns the new count. */
  recordFailure(entry: QueuedReport, error: string): Promise<number>;
  /** Sets the report aside as poison with its last error. */
  poison(entry: QueuedReport, error: string, now: string): Promise<void>;
  /** Reports set aside as poison, oldest first. */
  listPoisoned(): Promise<PoisonedReport[]>;
}

interface EntryFile {
  body: ReportBody;
  enqueuedAt: string;
  failures?: number;
  lastError?: string;
}

export function createReportQueue(dir: string): ReportQueue {
  let lastSequence: number | undefined;
  const poisonDir = join(dirname(dir), 'poison');

  const names = async (): Promise<string[]> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const all = await readdir(dir);
    // Temp files are leftovers of a write interrupted before its rename: never part of the queue.
    await Promise.all(
      all
        .filter((name) => name.startsWith('.tmp-'))
        .map((name) => unlink(join(dir, name)).catch(() => undefined)),
    );
    return all.filter((name) => ENTRY.test(name)).sort();
  };
  const poisonNames = async (): Promise<string[]> => {
    await mkdir(poisonDir, { recursive: true, mode: 0o700 });
    return (await readdir(poisonDir)).filter((name) => ENTRY.test(name)).sort();
  };
  const read = async (path: string): Promise<EntryFile> =>
    JSON.parse(await readFile(path, 'utf8')) as EntryFile;
  const remove = async (path: string): Promise<void> => {
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  };

  return {
    async enqueue(body, now) {
      if (lastSequence === undefined) {
        // Poison counts too: sequences stay increasing, so poison lists in the order it was queued.
        const last = [...(await names()), ...(await poisonNames())].sort().at(-1);
        lastSequence = last === undefined ? 0 : Number(last.slice(0, 12));
      }
      lastSequence += 1;
      const sequence = lastSequence;
      const file = `${String(sequence).padStart(12, '0')}-${body.reportId}.json`;
      await writeFileAtomic(join(dir, file), JSON.stringify({ body, enqueuedAt: now }));
      return { file, sequence, body, enqueuedAt: now, failures: 0 };
    },

    async list() {
      const entries: QueuedReport[] = [];
      for (const file of await names()) {
        const parsed = await read(join(dir, file));
        entries.push({
          file,
          sequence: Number(file.slice(0, 12)),
          body: parsed.body,
          enqueuedAt: parsed.enqueuedAt,
          failures: parsed.failures ?? 0,
          ...(parsed.lastError === undefined ? {} : { lastError: parsed.lastError }),
        });
      }
      return entries;
    },

    remove: (entry) => remove(join(dir, entry.file)),

    async recordFailure(entry, error) {
      const failures = entry.failures + 1;
      const document: EntryFile = {
        body: entry.body,
        enqueuedAt: entry.enqueuedAt,
        failures,
        lastError: error,
      };
      await writeFileAtomic(join(dir, entry.file), JSON.stringify(document));
      return failures;
    },

    async poison(entry, error, now) {
      await mkdir(poisonDir, { recursive: true, mode: 0o700 });
      // Written whole before the queue file goes: a crash in between leaves it in both places,
      // and the next flush sets it aside again (same file name), never losing it.
      const document = { ...entry, lastError: error, poisonedAt: now };
      await writeFileAtomic(join(poisonDir, entry.file), JSON.stringify(document));
      await remove(join(dir, entry.file));
    },

    async listPoisoned() {
      const files = await poisonNames();
      const poisoned: PoisonedReport[] = [];
      for (const file of files) {
        const parsed = (await read(join(poisonDir, file))) as EntryFile & { poisonedAt?: string };
        poisoned.push({
          file,
          reportId: parsed.body.reportId,
          enqueuedAt: parsed.enqueuedAt,
          poisonedAt: parsed.poisonedAt ?? '',
          failures: parsed.failures ?? 0,
          lastError: parsed.lastError ?? '',
        });
      }
      return poisoned;
    },
  };
}
