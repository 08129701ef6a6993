/**
 * Test-only helpers: locate the attestation datasets (`<repoRoot>/../shared/datasets`, or
 * `RISKGATE_DATASETS`) and load chains, expected KeyDescription JSON and roots. Not exported from
 * the package; imported by `*.test.ts` only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const DATASETS = process.env.RISKGATE_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');
export const TESTDATA = join(DATASETS, 'android-keyattestation-testdata', 'testdata');
export const ROOTS_DIR = join(DATASETS, 'google-hardware-attestation-roots');
export const STATUS_JSON = join(DATASETS, 'android-attestation-revocation', 'status.json');

/** Every root PEM file except the concatenated `all_roots.pem`, by file name. */
export function loadRoots(): Record<string, string> {
  const roots: Record<string, string> = {};
  for (const name of readdirSync(ROOTS_DIR).sort()) {
    if (name.endsWith('.pem') && name !== 'all_roots.pem')
      roots[name] = readFileSync(join(ROOTS_DIR, name), 'utf8');
  }
  return roots;
}

export const ALL_ROOTS: readonly string[] = Object.values(loadRoots());

export const rootNamed = (prefix: string): string => {
  const entry = Object.entries(loadRoots()).find(([name]) => name.startsWith(prefix));
  if (entry === undefined) throw new Error(`no root file starting with ${prefix}`);
  return entry[1];
};

function walk(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

export interface ChainFixture {
  /** Path relative to the testdata folder, e.g. `akita/sdk34/TEE_EC_NONE.pem`. */
  readonly name: string;
  readonly pem: string;
  /** The expected KeyDescription JSON beside the chain (comment lines stripped), if any. */
  readonly expected?: Record<string, unknown>;
}

/** Strips whole-line `//` comments (some expected files carry them), then parses. */
export function parseCommentedJson(text: string): Record<string, unknown> {
  const stripped = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n');
  return JSON.parse(stripped) as Record<string, unknown>;
}

/** Every `.pem` chain of the testdata folder, sorted, with its expected JSON when present. */
export function loadChains(): ChainFixture[] {
  return walk(TESTDATA)
    .filter((path) => path.endsWith('.pem'))
    .sort()
    .map((path) => {
      const jsonPath = path.replace(/\.pem$/, '.json');
      const expected = existsSync(jsonPath) ? parseCommentedJson(readFileSync(jsonPath, 'utf8')) : undefined;
      return {
        name: relative(TESTDATA, path),
        pem: readFileSync(path, 'utf8'),
        ...(expected === undefined ? {} : { expected }),
      };
    });
}

export function chainNamed(name: string): ChainFixture {
  const fixture = loadChains().find((chain) => chain.name === name);
  if (fixture === undefined) throw new Error(`no chain ${name} in ${TESTDATA}`);
  return fixture;
}
