/**
 * Child process for queue.kill.test.ts: enqueues reports as fast as it can until it is killed.
 * Usage: tsx queue-writer.fixture.ts <dir>
 */
import { randomUUID } from 'node:crypto';
import { createReportQueue } from '../src/sdk/queue.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: queue-writer.fixture.ts <dir>');
const queue = createReportQueue(dir);
const padding = 'x'.repeat(64 * 1024);
for (let i = 0; ; i++) {
  await queue.enqueue(
    {
      reportId: randomUUID(),
      kind: 'events',
      events: [{ type: 'domain-visited', at: new Date().toISOString(), domain: `n${i}.example` }],
      padding,
    } as never,
    new Date().toISOString(),
  );
  if (i === 0) process.stdout.write('started\n');
}
