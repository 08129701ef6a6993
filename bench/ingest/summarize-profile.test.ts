import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { topSelfTime } from './summarize-profile.ts';

const dir = mkdtempSync(join(tmpdir(), 'summarize-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
// root → outer (packages) → inner (node_modules) ; samples: 1 ms in outer, 3 ms in inner, then 4 ms in inner.
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2] },
    { id: 2, callFrame: frame('outer', 'file:///r/packages/server/src/a.ts'), children: [3] },
    { id: 3, callFrame: frame('inner', 'file:///r/node_modules/kysely/dist/x.js'), children: [] },
  ],
  samples: [2, 3, 3],
  timeDeltas: [1000, 3000, 4000],
  endTime: 0,
};
const path = join(dir, 'p.cpuprofile');
writeFileSync(path, JSON.stringify(profile));

describe('topSelfTime', () => {
  it.each([
    { windowMs: Number.POSITIVE_INFINITY, innerMs: '7', outerInclusive: '8', total: '0.0 s of 0.0 s' },
    { windowMs: 5, innerMs: '7', outerInclusive: '7', total: '0.0 s of 0.0 s' },
  ])(
    'ranks self time, files and inclusive time (window $windowMs ms)',
    ({ windowMs, innerMs, outerInclusive }) => {
      const lines = topSelfTime(path, 10, windowMs);
      const self = lines.slice(
        lines.indexOf('-- by function (self) --') + 1,
        lines.indexOf('-- by file / package (self) --'),
      );
      expect(self[0]).toMatch(new RegExp(`\\s${innerMs} ms  inner  node_modules/kysely:1$`));
      const inclusive = lines.slice(lines.indexOf('-- named functions of packages/ (inclusive) --') + 1);
      expect(inclusive[0]).toMatch(new RegExp(`\\s${outerInclusive} ms  outer  packages/server/src/a.ts$`));
    },
  );
});
