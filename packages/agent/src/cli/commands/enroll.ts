import { openAgent } from '../../sdk/agent-client.ts';
import { parseOptions, required, stateDirOf } from '../args.ts';
import type { Command } from '../command.ts';

const AGENT_VERSION = '0.1.0';

export const command: Command = {
  summary: 'enroll this agent with a server using an enrollment token',
  usage:
    'riskgate-agent enroll --server URL --token T [--state-dir D] [--platform android|ios] [--model M] [--manufacturer M] [--os-version V] [--user U] [--name N] [--json]',
  async run(args, io) {
    const options = parseOptions(args, {
      server: { type: 'string' },
      token: { type: 'string' },
      'state-dir': { type: 'string' },
      platform: { type: 'string' },
      model: { type: 'string' },
      manufacturer: { type: 'string' },
      'os-version': { type: 'string' },
      user: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    });
    const platform = options.platform === 'ios' ? 'ios' : 'android';
    const agent = await openAgent({ stateDir: stateDirOf(options['state-dir'], io.env) });
    const reply = await agent.enroll({
      server: required(options.server, 'server'),
      token: required(options.token, 'token'),
      device: {
        platform,
        model: options.model ?? (platform === 'ios' ? 'iPhone' : 'Android device'),
        manufacturer: options.manufacturer ?? (platform === 'ios' ? 'Apple' : 'unknown'),
        osVersion: options['os-version'] ?? (platform === 'ios' ? '18.0' : '14'),
        agentVersion: AGENT_VERSION,
        ...(options.user === undefined ? {} : { user: options.user }),
        ...(options.name === undefined ? {} : { name: options.name }),
      },
    });
    io.stdout.write(options.json ? `${JSON.stringify(reply)}\n` : `enrolled as ${reply.deviceId}\n`);
    return 0;
  },
};
