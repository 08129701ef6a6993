import { openAgent } from '../../sdk/agent-client.ts';
import { parseOptions, stateDirOf } from '../args.ts';
import type { Command } from '../command.ts';
import { formatStatus } from '../format.ts';

export const command: Command = {
  summary: "show this device's risk, threats and what to fix, and reports set aside as poison",
  usage: 'riskgate-agent status [--state-dir D] [--json]',
  async run(args, io) {
    const options = parseOptions(args, { 'state-dir': { type: 'string' }, json: { type: 'boolean' } });
    const agent = await openAgent({ stateDir: stateDirOf(options['state-dir'], io.env) });
    // Poison is local (on disk): shown even when the server cannot be reached.
    const poisoned = await agent.poisoned();
    const shownPoison = poisoned.map(
      (entry) =>
        `poison      report ${entry.reportId} (queued ${entry.enqueuedAt}, set aside ${entry.poisonedAt} after ${entry.failures} server errors): ${entry.lastError}\n`,
    );
    const status = await agent.status().catch((error: unknown) => {
      if (poisoned.length === 0) throw error;
      io.stderr.write(`status unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
      return undefined;
    });
    if (options.json) io.stdout.write(`${JSON.stringify({ ...status, poisoned })}\n`);
    else io.stdout.write(`${status === undefined ? '' : formatStatus(status)}${shownPoison.join('')}`);
    return status === undefined ? 1 : 0;
  },
};
