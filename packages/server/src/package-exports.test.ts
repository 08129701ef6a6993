import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  readonly name: string;
  readonly exports?: Readonly<Record<string, string>>;
  readonly bin?: Readonly<Record<string, string>>;
}

const manifests = ['engine', 'server', 'agent', 'console'].map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(join(PACKAGES, dir, 'package.json'), 'utf8')) as Manifest,
}));

/** What each public entry must offer, by package name and subpath. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  '@riskgate/engine': ['assess', 'buildIntelIndex', 'parseIntelFile', 'decideAccess', 'evaluateCompliance'],
  '@riskgate/engine/risk-order': ['RISK_LEVELS'],
  '@riskgate/server': ['createRuntime', 'buildApp', 'loadConfig', 'openConfiguredDatabase'],
  '@riskgate/agent': ['createAgentClient', 'openAgent'],
};

describe('package entries', () => {
  // The exports map is the contract other packages (and embedders) import through; an entry that
  // points at a missing file only fails for whoever imports it first.
  it.each(manifests)(
    'every exports and bin entry of $dir points at a file that exists',
    ({ dir, manifest }) => {
      const targets = [...Object.values(manifest.exports ?? {}), ...Object.values(manifest.bin ?? {})];
      expect(targets.filter((target) => !existsSync(join(PACKAGES, dir, target)))).toEqual([]);
    },
  );

  it.each(Object.entries(EXPECTED))('%s imports by its name and offers its API', async (specifier, names) => {
    const module = (await import(specifier)) as Record<string, unknown>;
    for (const name of names) expect(typeof module[name], `${specifier} → ${name}`).not.toBe('undefined');
  });

  it('every exported subpath is covered above', () => {
    const specifiers = manifests.flatMap(({ manifest }) =>
      Object.keys(manifest.exports ?? {}).map((subpath) => join(manifest.name, subpath)),
    );
    expect(specifiers.sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});
