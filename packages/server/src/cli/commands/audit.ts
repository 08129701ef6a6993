import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../../audit/audit-service.ts';
import { loadConfig } from '../../config.ts';
import { findTenantById, listTenants } from '../../queries/tenants.ts';
import type { Command } from '../command.ts';
import { openConfiguredDatabase } from '../open-database.ts';

/** `riskgate audit verify [--tenant id]`: checks every tenant's hash chain (or one). Exit 1 when broken. */
export const command: Command = {
  summary: 'verify the hash-chained audit log',
  usage: 'riskgate audit verify [--tenant <id>]',
  async run(args, io) {
    const [action, ...rest] = args;
    const { values } = parseArgs({ args: rest, options: { tenant: { type: 'string' } }, strict: true });
    if (action !== 'verify') {
      io.stderr.write(`usage: ${this.usage}\n`);
      return 2;
    }
    const db = await openConfiguredDatabase(loadConfig(io.env));
    try {
      let tenantIds: string[];
      if (values.tenant !== undefined) {
        if ((await findTenantById(db.db, values.tenant)) === undefined) {
          io.stderr.write(`no tenant ${values.tenant}\n`);
          return 2;
        }
        tenantIds = [values.tenant];
      } else {
        tenantIds = (await listTenants(db.db)).map((tenant) => tenant.id);
      }
      let broken = 0;
      for (const tenantId of tenantIds) {
        const result = await verifyAuditChain(db.db, tenantId);
        if (result.ok) {
          io.stdout.write(`${tenantId}: ok (${result.checked} entries)\n`);
        } else {
          broken += 1;
          io.stdout.write(
            `${tenantId}: BROKEN at seq ${result.firstBrokenSeq}: ${result.reason} (${result.checked} entries verified before it)\n`,
          );
        }
      }
      return broken === 0 ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};
