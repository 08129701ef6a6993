import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findModuleState, moduleStateOf } from '../test-support/module-state.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The module-level values the scan finds that are not state, each with the reason. A key is
 * `<file>: <binding>` or `<file>: <what>` (every finding of that kind in the file). Everything else
 * mutable lives in instances: the engine's caller (or the intel it built) owns the engine's derived
 * lookups, and createRuntime owns the server's caches (issue 12.4), so two runtimes in one process
 * share no mutable state. An entry that no longer matches anything fails the test too.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  'packages/engine/src/attestation/key-description.ts: utf8':
    'a TextDecoder used without `stream`: decode() keeps nothing between calls',
  'packages/engine/src/catalog/catalog.ts: PLACEHOLDER':
    'a global RegExp used only through String#matchAll, which copies it (its lastIndex never moves)',
  'packages/engine/src/intel/parsers/stix.ts: COMPARISON':
    'a global RegExp used only through String#matchAll, which copies it (its lastIndex never moves)',
  'packages/agent/src/adb/dumpsys-package.ts: DIGEST_256':
    'a global RegExp used only through String#matchAll, which copies it (its lastIndex never moves)',
  'packages/agent/src/adb/dumpsys-package.ts: DIGEST_1':
    'a global RegExp used only through String#matchAll, which copies it (its lastIndex never moves)',
  'packages/engine/src/intel/prefilter.ts: ID_CHAR':
    'a character table filled while the module loads and only read after (typed arrays cannot be frozen)',
  'packages/server/src/intel/upstream/http-get.ts: PRIVATE':
    'the fixed list of non-public address ranges, filled while the module loads and only read after (a BlockList cannot be frozen)',
  'packages/server/src/queries/report-ingest.ts: new Statement':
    'fixed SQL text per dialect in readonly fields: constants, built once at load',
  'packages/console/src/hooks.tsx: ConsoleContext':
    "a React context: an identity token; its value lives in the provider's component state",
  'packages/console/src/router.tsx: RouterContext':
    "a React context: an identity token; its value lives in the provider's component state",
};

describe('module-level state (issue 12.4: state lives in instances the runtime owns)', () => {
  const findings = findModuleState(REPO_ROOT);
  const allowed = (f: { key: string; what: string }) =>
    ALLOWED[f.key] !== undefined ||
    ALLOWED[`${f.key.slice(0, f.key.indexOf(': '))}: ${f.what}`] !== undefined;

  it('no package keeps mutable state at module level beyond the allow-list', () => {
    const offenders = findings.filter((f) => !allowed(f)).map((f) => `${f.key} (line ${f.line}): ${f.what}`);
    expect(offenders).toEqual([]);
  });

  it('every allow-list entry still matches something', () => {
    const used = new Set(
      findings.flatMap((f) => [f.key, `${f.key.slice(0, f.key.indexOf(': '))}: ${f.what}`]),
    );
    expect(Object.keys(ALLOWED).filter((key) => !used.has(key))).toEqual([]);
  });

  // The scanner itself, on a file with one of each kind (so the guard above can fail).
  it('finds each kind of module-level state, and not constants or locals', () => {
    const source = `
      let counter = 0;
      const memo = new Map<string, number>();
      const table: ReadonlyMap<string, number> = new Map([['a', 1]]);
      const seen = new WeakMap<object, number>();
      const keys = createPublicKeyCache();
      const list: string[] = [];
      const registry = { count: 0 };
      const LIMITS = Object.freeze({ max: 3 });
      const WORD = /\\w+/g;
      const once = (() => new Set<string>())();
      class Pool { static shared = new Set<string>(); }
      export function bump(name: string, map: Map<string, number>) {
        registry.count++;
        const table = new Map<string, number>();
        table.set(name, 1);
        map.set(name, LIMITS.max);
        return table;
      }
    `;
    const found = moduleStateOf('x.ts', source, 'x.ts').map((f) => `${f.key}: ${f.what}`);
    expect(found.sort()).toEqual(
      [
        'x.ts: counter: let',
        'x.ts: memo: new Map',
        'x.ts: seen: new WeakMap',
        'x.ts: keys: createPublicKeyCache()',
        'x.ts: list: empty array',
        'x.ts: registry: mutated inside a function',
        'x.ts: WORD: global/sticky RegExp (lastIndex)',
        'x.ts: once: immediately invoked function',
        'x.ts: Pool.shared: static property',
      ].sort(),
    );
  });
});
