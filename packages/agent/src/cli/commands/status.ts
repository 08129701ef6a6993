import { openAgent } from '../../sdk/agent-client.ts';
import { parseOptions, stateDirOf } from '../args.ts';
import type { Command } from '../command.ts';
import { formatStatus } from '../format.ts';

export const command: Command = {
  summary: "show this device's risk, threats and what to fix",
  usage: 'riskgate-agent status [--state-dir D] [--json]',
  async run(args, io) {
    const options = parseOptions(args, { 'state-dir': { type: 'string' }, json: { type: 'boolean' } });
    const agent = await openAgent({ stateDir: stateDirOf(options['state-dir'], io.env) });
    const status = await agent.status();
    io.stdout.write(options.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
    return 0;
  },
};
