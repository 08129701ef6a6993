import { parseArgs } from 'node:util';
import pino from 'pino';
import { pruneAuditLog } from '../../audit/audit-prune.ts';
import { auditCheckpointFileOf, loadConfig, resolveSecretKey } from '../../config.ts';
import { createSecretBox } from '../../crypto/secret-box.ts';
import { createRetentionJob, type RetentionRun } from '../../retention/retention-job.ts';
import { RETENTION_KINDS, retentionPolicyOf } from '../../retention/retention-settings.ts';
import type { Command } from '../command.ts';
import { openConfiguredDatabase } from '../open-database.ts';

/** One line per tenant and kind, then the totals. */
export function formatRetentionRun(run: RetentionRun): string {
  if (!run.ran) return 'another node is running retention now; nothing done\n';
  const verb = run.dryRun ? 'due' : 'deleted';
  const lines = run.tenants.flatMap(({ tenantId, deleted }) =>
    RETENTION_KINDS.filter((kind) => deleted[kind] !== undefined).map(
      (kind) => `${tenantId}\t${kind}\t${verb} ${deleted[kind]}`,
    ),
  );
  const totals = RETENTION_KINDS.map((kind) => `${kind}=${run.totals[kind]}`).join(' ');
  return `${lines.map((line) => `${line}\n`).join('')}total ${verb}: ${totals}\n`;
}

/** `riskgate retention run [--dry-run]`: one retention run now (what `serve` runs on its schedule). */
export const command: Command = {
  summary: 'delete rows past each tenant retention now (--dry-run: only count them)',
  usage: 'riskgate retention run [--dry-run] [--json]',
  async run(args, io) {
    const [action, ...rest] = args;
    let values: { 'dry-run'?: boolean; json?: boolean };
    try {
      ({ values } = parseArgs({
        args: rest,
        options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
        strict: true,
      }));
    } catch (error) {
      io.stderr.write(`retention: ${(error as Error).message}\nusage: ${this.usage}\n`);
      return 2;
    }
    if (action !== 'run') {
      io.stderr.write(`usage: ${this.usage}\n`);
      return 2;
    }
    const config = loadConfig(io.env);
    const db = await openConfiguredDatabase(config);
    try {
      const logger = pino({ level: 'warn' }, pino.destination(2));
      let secretKey: Uint8Array | undefined;
      try {
        secretKey = resolveSecretKey(config, { allowGenerate: false });
      } catch (error) {
        io.stderr.write(`retention: audit entries are not pruned: ${(error as Error).message}\n`);
      }
      const checkpointFile = auditCheckpointFileOf(config);
      const batchSize = config.retentionBatch;
      const job = createRetentionJob(
        { db, now: () => new Date(), logger },
        {
          policy: retentionPolicyOf(config),
          intervalMs: 0,
          batchSize,
          ...(secretKey === undefined
            ? {}
            : {
                pruneAudit: (tenantId: string, cutoff: string, dryRun: boolean) =>
                  pruneAuditLog(
                    { db, now: () => new Date(), box: createSecretBox(secretKey) },
                    { tenantId, cutoff, dryRun, checkpointFile, batchSize },
                  ),
              }),
        },
      );
      const run = await job.run({ dryRun: values['dry-run'] === true });
      io.stdout.write(values.json === true ? `${JSON.stringify(run)}\n` : formatRetentionRun(run));
      return run.ran ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};
