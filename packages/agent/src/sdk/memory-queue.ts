import type { QueuedReport, ReportQueue } from './queue.ts';

/** An in-memory `ReportQueue` for simulated devices (nothing survives a restart). */
export function createMemoryReportQueue(): ReportQueue {
  const entries: QueuedReport[] = [];
  let sequence = 0;
  return {
    async enqueue(body, now) {
      sequence += 1;
      const entry = {
        file: `${String(sequence).padStart(12, '0')}-${body.reportId}.json`,
        sequence,
        body,
        enqueuedAt: now,
      };
      entries.push(entry);
      return entry;
    },
    async list() {
      return [...entries];
    },
    async remove(entry) {
      const index = entries.findIndex((candidate) => candidate.file === entry.file);
      if (index >= 0) entries.splice(index, 1);
    },
    async reject(entry) {
      const index = entries.findIndex((candidate) => candidate.file === entry.file);
      if (index >= 0) entries.splice(index, 1);
    },
  };
}
