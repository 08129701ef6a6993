import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
} from 'kysely';

/**
 * A first-come, first-served lock that hands itself to the next waiter directly. Kysely's own
 * SQLite mutex wakes every waiter on each release (they re-check in a loop), which under load costs
 * a microtask per waiter per query and lets a late arrival overtake requests already waiting.
 */
export class FifoLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  /** Resolves once the lock is held by the caller. */
  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Hands the lock to the longest waiter, or frees it. */
  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#held = false;
    else next();
  }

  /** Waiters queued behind the holder. */
  get waiting(): number {
    return this.#waiters.length;
  }
}

type BetterSqlite = Exclude<SqliteDialectConfig['database'], () => unknown>;

class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite;
  constructor(db: BetterSqlite) {
    this.#db = db;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.#db.prepare(compiledQuery.sql);
    const parameters = compiledQuery.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported on this driver
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on SQLite here');
  }
}

/** Kysely's SQLite driver with a FIFO connection lock (see {@link FifoLock}). */
class FifoSqliteDriver implements Driver {
  readonly #config: SqliteDialectConfig;
  readonly #lock = new FifoLock();
  #db: BetterSqlite | undefined;
  #connection: SqliteConnection | undefined;

  constructor(config: SqliteDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const { database } = this.#config;
    this.#db = typeof database === 'function' ? await database() : database;
    this.#connection = new SqliteConnection(this.#db);
    if (this.#config.onCreateConnection !== undefined)
      await this.#config.onCreateConnection(this.#connection);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    if (this.#connection === undefined) throw new Error('the SQLite driver is not initialised');
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name.replaceAll('"', '""')}"`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name.replaceAll('"', '""')}"`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name.replaceAll('"', '""')}"`));
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    this.#db?.close();
  }
}

/** {@link SqliteDialect} over {@link FifoSqliteDriver}. */
export class FifoSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.#config);
  }
}
