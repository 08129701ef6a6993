/**
 * @riskgate/server's public entry: what an embedder (or a test in another package) needs to run
 * Riskgate in-process. Settings are parsed by `loadConfig`, the database opened and migrated by
 * `openConfiguredDatabase`, and `createRuntime` (the composition root) builds every service and
 * the Fastify app over it. The `riskgate` CLI (`cli/main.ts`) does exactly this in `serve`.
 */
export type { App } from './app.ts';
export { buildApp } from './app.ts';
export { openConfiguredDatabase } from './cli/open-database.ts';
export type { Config } from './config.ts';
export { ConfigError, decodeSecretKey, loadConfig, resolveSecretKey } from './config.ts';
export type { Db, DbTarget, DialectName } from './db/database.ts';
export { openDatabase } from './db/database.ts';
export { migrateToLatest } from './db/migrations.ts';
export type { IntelSource } from './intel/intel-source.ts';
export { EMPTY_INTEL } from './intel/intel-source.ts';
export type { Services } from './runtime.ts';
export { createRuntime } from './runtime.ts';
