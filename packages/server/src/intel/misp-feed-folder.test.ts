import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadIntelFiles } from './load-files.ts';

const FEED = join(dirname(fileURLToPath(import.meta.url)), '../../../engine/test-support/misp-feed');

describe('a MISP feed folder through the one loader', () => {
  it('loads every event file the manifest lists; the manifest and hashes.csv are skipped saying what they are', async () => {
    const { feeds, errors, files } = await loadIntelFiles([FEED]);
    expect(errors).toEqual([]);
    expect(feeds.map((f) => f.format)).toEqual(['misp', 'misp']);
    // The counts of the fixture's README (counted by hand when it was written).
    expect(feeds.map((f) => f.indicators.length)).toEqual([9, 4]);
    expect(feeds.map((f) => f.family)).toEqual(['ResidentBat', 'TheTruthSpy']);
    const skipped = files.filter((f) => f.status === 'skipped');
    expect(skipped.map((f) => f.reason).sort()).toEqual([
      expect.stringMatching(/^MISP feed hashes\.csv: MD5 digests of attribute values/),
      expect.stringMatching(/^MISP feed manifest/),
      expect.stringMatching(/^write-up without indicators/), // the fixture's README.md
    ]);
  });
});
