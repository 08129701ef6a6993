import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIntelFiles } from './load-files.ts';

const scratch = mkdtempSync(join(tmpdir(), 'riskgate-intel-db-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// A data folder given as an intel path (RISKGATE_INTEL_PATHS=/var/lib/riskgate) holds the server's
// own SQLite files. Opening and closing any of them in the server's process drops the process's
// POSIX locks on it, so another process (the CLI) closing its connection deletes the WAL under the
// server, whose reads then go stale. The loader must not open them.
describe('loadIntelFiles beside a live SQLite database', () => {
  it('does not open database files, so another process’s writes stay visible to this one', async () => {
    const path = join(scratch, 'riskgate.db');
    const server = new Database(path);
    server.pragma('journal_mode = WAL');
    server.exec('CREATE TABLE t (x INTEGER)');
    writeFileSync(join(scratch, 'domains.txt'), 'evil-intel-test.example.org\n');
    const count = () => (server.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    expect(count()).toBe(0);

    const { files } = await loadIntelFiles([scratch]);
    for (const name of ['riskgate.db', 'riskgate.db-wal', 'riskgate.db-shm'])
      expect(files.find((f) => f.path.endsWith(name))).toMatchObject({
        status: 'skipped',
        reason: expect.stringContaining('database file'),
      });

    // Another process (as `riskgate tenant create` would) writes and closes its connection.
    const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const write = () =>
      execFileSync(process.execPath, [
        '-e',
        `const D = require(${JSON.stringify(betterSqlite)}); const d = new D(${JSON.stringify(path)}); d.exec('INSERT INTO t VALUES (1)'); d.close();`,
      ]);
    write();
    expect(count()).toBe(1);
    write();
    expect(count()).toBe(2);
    server.close();
  });
});
