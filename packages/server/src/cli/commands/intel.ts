import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { appendAudit } from '../../audit/audit-service.ts';
import { announceChange, devicesScope, INTEL_SCOPE } from '../../cluster/cluster-scopes.ts';
import { loadConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { formatIntelCheck, intelCheckReport } from '../../intel/intel-check.ts';
import { countsOf, storeFeed } from '../../intel/intel-feed-service.ts';
import { reassessForNewIntel } from '../../intel/intel-reassess.ts';
import { SERVER_SCOPE } from '../../intel/intel-registry.ts';
import { EMPTY_INTEL } from '../../intel/intel-source.ts';
import { loadIntelFiles } from '../../intel/load-files.ts';
import { createStoredIntel } from '../../intel/stored-intel.ts';
import { findTenantById, listTenants } from '../../queries/tenants.ts';
import type { Command, CommandIo } from '../command.ts';
import { openConfiguredDatabase } from '../open-database.ts';

const USAGE =
  'riskgate intel import <path>… [--tenant <id>] [--no-reassess]\n       riskgate intel check <path>… [--json] [--verbose]';

/**
 * Stores the loaded feeds (server-wide, or for one tenant), audits the import in every affected
 * tenant, and re-assesses their devices' stored snapshots against the new indicators.
 */
async function importFeeds(
  db: Db,
  io: CommandIo,
  paths: readonly string[],
  options: { readonly tenant?: string; readonly reassess: boolean },
): Promise<number> {
  const result = await loadIntelFiles(paths);
  for (const file of result.files) {
    const counts = `${file.records} records, ${file.skippedEntries} entries skipped`;
    const detail =
      file.status === 'loaded' ? `${file.format ?? ''} ${file.feed ?? ''}: ${counts}` : (file.reason ?? '');
    io.stdout.write(`${file.status.padEnd(8)} ${file.path}  ${detail}\n`);
  }
  const scope = options.tenant ?? SERVER_SCOPE;
  const tenantIds =
    options.tenant !== undefined ? [options.tenant] : (await listTenants(db.db)).map((tenant) => tenant.id);
  const at = new Date().toISOString();
  const stored: { name: string; indicators: number }[] = [];
  await db.db.transaction().execute(async (trx) => {
    for (const feed of result.feeds) {
      const name = resolve(feed.source);
      await storeFeed(trx, scope, name, feed, await readFile(feed.source, 'utf8'), at, name);
      stored.push({ name, indicators: feed.indicators.length });
    }
    for (const tenantId of tenantIds)
      await appendAudit(trx, db.dialect, {
        tenantId,
        actor: 'cli',
        action: 'intel-feed.import',
        details: {
          scope: scope === SERVER_SCOPE ? 'server' : 'tenant',
          feeds: result.feeds.map((f) => ({ feed: f.feed, source: resolve(f.source), counts: countsOf(f) })),
        },
        at,
      });
    // Running servers on this database reload the stored feeds (docs/cluster.md).
    await announceChange(trx, db.dialect, INTEL_SCOPE);
  });
  const indicators = stored.reduce((sum, feed) => sum + feed.indicators, 0);
  io.stdout.write(
    `stored ${stored.length} feed(s) (${indicators} indicators) ${scope === SERVER_SCOPE ? 'server-wide' : `for tenant ${scope}`}; ${result.errors.length} error(s)\n`,
  );

  const newFeeds = result.feeds.filter((feed) => feed.indicators.length > 0);
  if (options.reassess && newFeeds.length > 0) {
    const logger = pino({ level: 'silent' });
    const intel = createStoredIntel(db.db, EMPTY_INTEL, logger);
    await intel.reload();
    // Running servers drop the cached state of the devices this changed (they read them again).
    const devicesChanged = async (tenantId: string, ids: readonly string[]) => {
      if (ids.length > 0) await announceChange(db.db, db.dialect, devicesScope(tenantId));
    };
    for (const tenantId of tenantIds) {
      const started = performance.now();
      const outcome = await reassessForNewIntel(
        { db, now: () => new Date(), logger, devicesChanged },
        { tenantId, newFeeds, lookup: intel.lookup(tenantId), actor: 'cli' },
      );
      io.stdout.write(
        `re-assessed ${tenantId}: ${outcome.devicesExamined} devices, ${outcome.devicesWithNewThreats} with new threats (${outcome.threatsCreated} threats), ${outcome.devicesChanged} changed state, ${Math.round(performance.now() - started)} ms\n`,
      );
    }
  }
  return result.errors.length === 0 ? 0 : 1;
}

/**
 * `riskgate intel check <path>…`: the one loader as a dry run (no database): per file the format
 * detected, the family, the indicators by kind, and every file and entry skipped with the reason.
 * `--json` prints the same report as JSON (every skipped entry of the sample, up to 1000 a file).
 * Exit 1 when a file failed to parse.
 */
async function checkFiles(
  io: CommandIo,
  paths: readonly string[],
  flags: { readonly json?: boolean; readonly verbose?: boolean },
): Promise<number> {
  const result = await loadIntelFiles(paths, {
    skippedSample: flags.json === true || flags.verbose === true ? 1000 : 20,
  });
  const report = intelCheckReport(result);
  io.stdout.write(
    flags.json === true
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatIntelCheck(report, { verbose: flags.verbose === true }),
  );
  return result.errors.length === 0 ? 0 : 1;
}

/**
 * `riskgate intel import <path>…`: parses intel files (or folders) with the engine parsers, prints
 * per-file counts, stores the feeds in the database (server-wide unless `--tenant`), and
 * re-assesses existing devices from their stored snapshots. Running servers on the same database
 * load the new feeds within a second, and before their next report (docs/cluster.md); feeds
 * uploaded through the admin API likewise. Exit 1 when a file failed.
 */
export const command: Command = {
  summary:
    'import intel files into the database (per-file counts; devices re-assessed), or check them (dry run)',
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    let parsed: ReturnType<typeof parseOptions>;
    try {
      parsed = parseOptions(rest);
    } catch (error) {
      io.stderr.write(`${error instanceof Error ? error.message : String(error)}\nusage: ${USAGE}\n`);
      return 2;
    }
    if ((action !== 'import' && action !== 'check') || parsed.positionals.length === 0) {
      io.stderr.write(`usage: ${USAGE}\n`);
      return 2;
    }
    if (action === 'check') return checkFiles(io, parsed.positionals, parsed.values);
    const db = await openConfiguredDatabase(loadConfig(io.env));
    try {
      const tenant = parsed.values.tenant;
      if (tenant !== undefined && (await findTenantById(db.db, tenant)) === undefined) {
        io.stderr.write(`no tenant ${tenant}\n`);
        return 2;
      }
      return await importFeeds(db, io, parsed.positionals, {
        ...(tenant !== undefined ? { tenant } : {}),
        reassess: parsed.values['no-reassess'] !== true,
      });
    } finally {
      await db.close();
    }
  },
};

function parseOptions(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      tenant: { type: 'string' },
      'no-reassess': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
}
