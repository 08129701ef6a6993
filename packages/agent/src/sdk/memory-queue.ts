import type { PoisonedReport, QueuedReport, ReportQueue } from './queue.ts';

/** An in-memory `ReportQueue` for simulated devices (nothing survives a restart). */
export function createMemoryReportQueue(): ReportQueue {
  let entries: QueuedReport[] = [];
  const poisoned: PoisonedReport[] = [];
  let sequence = 0;
  const without = (entry: QueuedReport) => entries.filter((candidate) => candidate.file !== entry.file);
  return {
    async enqueue(body, now) {
      sequence += 1;
      const entry = {
        file: `${String(sequence).padStart(12, '0')}-${body.reportId}.json`,
        sequence,
        body,
        enqueuedAt: now,
        failures: 0,
      };
      entries.push(entry);
      return entry;
    },
    async list() {
      return [...entries];
    },
    async remove(entry) {
      entries = without(entry);
    },
    async recordFailure(entry, error) {
      const failures = entry.failures + 1;
      entries = entries.map((candidate) =>
        candidate.file === entry.file ? { ...candidate, failures, lastError: error } : candidate,
      );
      return failures;
    },
    async poison(entry, error, now) {
      entries = without(entry);
      poisoned.push({
        file: entry.file,
        reportId: entry.body.reportId,
        enqueuedAt: entry.enqueuedAt,
        poisonedAt: now,
        failures: entry.failures,
        lastError: error,
      });
    },
    async listPoisoned() {
      return [...poisoned];
    },
  };
}
