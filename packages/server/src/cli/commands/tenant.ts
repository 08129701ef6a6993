import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { listTenants } from '../../queries/tenants.ts';
import { createTenant } from '../../tenants/tenant-service.ts';
import type { Command } from '../command.ts';
import { openConfiguredDatabase } from '../open-database.ts';

/** `riskgate tenant create --name X` and `riskgate tenant list`. */
export const command: Command = {
  summary: 'create or list tenants (create prints an owner API token once)',
  usage: 'riskgate tenant create --name <name> | riskgate tenant list',
  async run(args, io) {
    const [action, ...rest] = args;
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' } }, strict: true });
    if (action !== 'create' && action !== 'list') {
      io.stderr.write(`usage: ${this.usage}\n`);
      return 2;
    }
    if (action === 'create' && (values.name === undefined || values.name.trim() === '')) {
      io.stderr.write('tenant create: --name is required\n');
      return 2;
    }
    const db = await openConfiguredDatabase(loadConfig(io.env));
    try {
      if (action === 'list') {
        for (const tenant of await listTenants(db.db))
          io.stdout.write(`${tenant.id}\t${tenant.name}\t${tenant.created_at}\n`);
        return 0;
      }
      const created = await createTenant(
        { db, now: () => new Date() },
        { name: values.name ?? '', actor: 'cli' },
      );
      io.stdout.write(`tenant id:   ${created.tenantId}\n`);
      io.stdout.write(`owner token: ${created.ownerToken}\n`);
      io.stdout.write('The owner token is shown only this once; store it now.\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};
