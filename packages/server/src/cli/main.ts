#!/usr/bin/env node
import type { Command, CommandIo } from './command.ts';

/** Sub-commands, each loaded only when used so that `riskgate assess` never opens a database. */
const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  serve: () => import('./commands/serve.ts'),
  tenant: () => import('./commands/tenant.ts'),
  audit: () => import('./commands/audit.ts'),
  intel: () => import('./commands/intel.ts'),
  assess: () => import('./commands/assess.ts'),
  attest: () => import('./commands/attest.ts'),
  retention: () => import('./commands/retention.ts'),
};

async function main(argv: readonly string[]): Promise<number> {
  const io: CommandIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const [name, ...rest] = argv;
  const load = name === undefined ? undefined : COMMANDS[name];
  if (load === undefined) {
    io.stderr.write(
      `${name === undefined || name === 'help' || name === '--help' ? '' : `unknown command: ${name}\n\n`}`,
    );
    io.stderr.write('usage: riskgate <command> [options]\n\ncommands:\n');
    for (const [commandName, loadCommand] of Object.entries(COMMANDS)) {
      const { command } = await loadCommand().catch(() => ({ command: undefined }));
      if (command !== undefined) io.stderr.write(`  ${commandName.padEnd(8)} ${command.summary}\n`);
    }
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  const { command } = await load();
  return command.run(rest, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`riskgate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
