import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './files.ts';
import type { ReportBody } from './wire.ts';

/** One report waiting on disk to be delivered. */
export interface QueuedReport {
  /** File name: `<12-digit sequence>-<reportId>.json`; the order of delivery. */
  readonly file: string;
  readonly sequence: number;
  readonly body: ReportBody;
  readonly enqueuedAt: string;
}

const ENTRY = /^(\d{12})-([0-9a-fA-F-]{36})\.json$/;

/**
 * The offline queue: one JSON file per report in `<dir>`, written atomically (temp file, fsync,
 * rename), so a crash or kill never leaves a half-written report and a restart finds every report
 * that was not yet acknowledged, in order. Delivery removes the file; a report the server refuses
 * for good moves to `<dir>/rejected/`.
 */
export interface ReportQueue {
  enqueue(body: ReportBody, now: string): Promise<QueuedReport>;
  /** Queued reports, oldest first. */
  list(): Promise<QueuedReport[]>;
  remove(entry: QueuedReport): Promise<void>;
  reject(entry: QueuedReport, reason: string): Promise<void>;
}

export function createReportQueue(dir: string): ReportQueue {
  let lastSequence: number | undefined;

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

  return {
    async enqueue(body, now) {
      if (lastSequence === undefined) {
        const last = (await names()).at(-1);
        lastSequence = last === undefined ? 0 : Number(last.slice(0, 12));
      }
      lastSequence += 1;
      const sequence = lastSequence;
      const file = `${String(sequence).padStart(12, '0')}-${body.reportId}.json`;
      await writeFileAtomic(join(dir, file), JSON.stringify({ body, enqueuedAt: now }));
      return { file, sequence, body, enqueuedAt: now };
    },

    async list() {
      const entries: QueuedReport[] = [];
      for (const file of await names()) {
        const parsed = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
          body: ReportBody;
          enqueuedAt: string;
        };
        entries.push({
          file,
          sequence: Number(file.slice(0, 12)),
          body: parsed.body,
          enqueuedAt: parsed.enqueuedAt,
        });
      }
      return entries;
    },

    async remove(entry) {
      await unlink(join(dir, entry.file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },

    async reject(entry, reason) {
      await mkdir(join(dir, 'rejected'), { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(dir, 'rejected', `${entry.file}.reason.txt`), `${reason}\n`);
      await rename(join(dir, entry.file), join(dir, 'rejected', entry.file));
    },
  };
}
