import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReportQueue } from './queue.ts';
import type { ReportBody } from './wire.ts';

const body = (n: number): ReportBody => ({
  reportId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  kind: 'events',
  events: [{ type: 'domain-visited', at: '2026-11-25T18:00:00.000Z', domain: `d${n}.example` }],
});

describe('createReportQueue', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'riskgate-queue-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps reports in order across a restart (a new queue over the same directory)', async () => {
    const first = createReportQueue(dir);
    for (const n of [1, 2, 3]) await first.enqueue(body(n), '2026-11-25T18:00:00.000Z');
    const restarted = createReportQueue(dir);
    expect((await restarted.list()).map((entry) => entry.body.reportId)).toEqual(
      [body(1), body(2), body(3)].map((b) => b.reportId),
    );
    await restarted.enqueue(body(4), '2026-11-25T18:00:01.000Z');
    const entries = await restarted.list();
    expect(entries.map((entry) => entry.sequence)).toEqual([1, 2, 3, 4]);
  });

  it('ignores and cleans a temp file left by a write killed before its rename', async () => {
    const queue = createReportQueue(dir);
    await queue.enqueue(body(1), '2026-11-25T18:00:00.000Z');
    await writeFile(join(dir, '.tmp-deadbeef0001'), '{"body":{"reportId":"half');
    const restarted = createReportQueue(dir);
    expect((await restarted.list()).map((entry) => entry.body.reportId)).toEqual([body(1).reportId]);
    expect(await readdir(dir)).not.toContain('.tmp-deadbeef0001');
  });

  it('writes files readable only by the owner, removes delivered ones and sets poison aside beside the queue', async () => {
    const queue = createReportQueue(join(dir, 'queue'));
    const a = await queue.enqueue(body(1), 'x');
    const b = await queue.enqueue(body(2), 'x');
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(dir, 'queue', a.file))).mode & 0o777).toBe(0o600);
    await queue.remove(a);
    // Failures are counted on disk: a restarted agent keeps counting where it stopped.
    expect(await queue.recordFailure(b, '500 internal: boom')).toBe(1);
    const [counted] = await createReportQueue(join(dir, 'queue')).list();
    expect(counted).toMatchObject({ failures: 1, lastError: '500 internal: boom' });
    if (counted === undefined) throw new Error('the report left the queue');
    await queue.poison(counted, '500 internal: boom', '2026-12-07T10:00:00.000Z');
    expect(await queue.list()).toEqual([]);
    expect(await readdir(join(dir, 'poison'))).toEqual([b.file]);
    expect(await createReportQueue(join(dir, 'queue')).listPoisoned()).toEqual([
      {
        file: b.file,
        reportId: body(2).reportId,
        enqueuedAt: 'x',
        poisonedAt: '2026-12-07T10:00:00.000Z',
        failures: 1,
        lastError: '500 internal: boom',
      },
    ]);
  });
});
