import { describe, expect, it } from 'vitest';
import { processCpuMs } from './process-cpu.ts';

describe('processCpuMs', () => {
  it.skipIf(process.platform !== 'linux')('reads a growing CPU time for this process', () => {
    const before = processCpuMs(process.pid);
    const end = Date.now() + 60;
    let sink = 0;
    while (Date.now() < end) sink += Math.sqrt(sink + 1);
    const after = processCpuMs(process.pid);
    expect(sink).toBeGreaterThan(0);
    expect(before).toBeTypeOf('number');
    expect(after ?? 0).toBeGreaterThanOrEqual(before ?? Number.POSITIVE_INFINITY);
  });

  it('answers undefined for a process that does not exist', () => {
    expect(processCpuMs(2 ** 30)).toBeUndefined();
  });
});
