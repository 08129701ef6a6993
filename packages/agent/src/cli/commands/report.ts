import { readFile } from 'node:fs/promises';
import type { Snapshot } from '@riskgate/engine';
import { openAgent } from '../../sdk/agent-client.ts';
import { parseOptions, stateDirOf } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { formatStatus } from '../format.ts';

export const command: Command = {
  summary: 'send a snapshot (JSON file) to the server, or deliver queued reports (--flush)',
  usage: 'riskgate-agent report (--snapshot file.json | --flush) [--state-dir D] [--json]',
  async run(args, io) {
    const options = parseOptions(args, {
      snapshot: { type: 'string' },
      flush: { type: 'boolean' },
      'state-dir': { type: 'string' },
      json: { type: 'boolean' },
    });
    const agent = await openAgent({ stateDir: stateDirOf(options['state-dir'], io.env) });
    if (options.flush) {
      const result = await agent.flush();
      io.stdout.write(
        options.json
          ? `${JSON.stringify({ delivered: result.delivered.length, rejected: result.rejected.length, pending: result.pending, error: result.error?.message })}\n`
          : `delivered ${result.delivered.length}, rejected ${result.rejected.length}, still queued ${result.pending}${result.error ? ` (${result.error.message})` : ''}\n`,
      );
      return result.pending === 0 ? 0 : 1;
    }
    if (options.snapshot === undefined) throw new UsageError('--snapshot or --flush is required');
    let snapshot: Snapshot;
    try {
      snapshot = JSON.parse(await readFile(options.snapshot, 'utf8')) as Snapshot;
    } catch (error) {
      throw new UsageError(
        `cannot read ${options.snapshot}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const outcome = await agent.report({ snapshot });
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify(outcome.status === 'acknowledged' ? outcome : { status: outcome.status, reportId: outcome.reportId, error: outcome.error.message })}\n`,
      );
    } else if (outcome.status === 'acknowledged') {
      io.stdout.write(
        `report ${outcome.reply.reportId} acknowledged${outcome.reply.duplicate ? ' (duplicate)' : ''}\n`,
      );
      io.stdout.write(formatStatus(outcome.reply));
    } else {
      io.stderr.write(`report ${outcome.reportId} ${outcome.status}: ${outcome.error.message}\n`);
    }
    return outcome.status === 'acknowledged' ? 0 : 1;
  },
};
