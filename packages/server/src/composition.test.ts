import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('composition root', () => {
  // Services are built once, in createRuntime; a route plugin that builds its own instance would
  // hold state (caches, memos) the rest of the runtime never sees.
  it('route plugins construct no service and read no ServiceContext', () => {
    const offenders = sourcesUnder(join(SRC, 'routes')).flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      const found = [
        ...text.matchAll(/\bcreate[A-Z]\w*(Service|System|Registry|Cache)\(/g),
        ...text.matchAll(/from '[./]+\/context\.ts'/g),
        ...text.matchAll(/\bAppDeps\b/g),
      ];
      return found.map((match) => `${path.slice(SRC.length)}: ${match[0]}`);
    });
    expect(offenders).toEqual([]);
  });

  // Module-level mutable bindings are shared by every runtime in a process (and by every caller of
  // the engine); state belongs to instances the runtime (or the engine's caller) owns.
  it('the server and the engine keep no module-level `let`', () => {
    const engine = join(SRC, '..', '..', 'engine', 'src');
    const offenders = [...sourcesUnder(SRC), ...sourcesUnder(engine)].flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/^(export )?(let|var) /.test(line) ? [`${path}:${i + 1}: ${line}`] : [])),
    );
    expect(offenders).toEqual([]);
  });
});
