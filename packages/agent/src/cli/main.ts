#!/usr/bin/env -S npx tsx
import { type Command, type CommandIo, UsageError } from './command.ts';

/** Sub-commands, each loaded only when used. */
const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  enroll: () => import('./commands/enroll.ts'),
  report: () => import('./commands/report.ts'),
  status: () => import('./commands/status.ts'),
  simulate: () => import('./commands/simulate.ts'),
  scan: () => import('./commands/scan.ts'),
  'scan-adb': () => import('./commands/scan-adb.ts'),
  profile: () => import('./commands/profile.ts'),
};

async function main(argv: readonly string[]): Promise<number> {
  const io: CommandIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const [name, ...rest] = argv;
  const load = name === undefined ? undefined : COMMANDS[name];
  if (load === undefined) {
    const help = name === undefined || name === 'help' || name === '--help';
    if (!help) io.stderr.write(`unknown command: ${name}\n\n`);
    io.stderr.write('usage: riskgate-agent <command> [options]\n\ncommands:\n');
    for (const [commandName, loadCommand] of Object.entries(COMMANDS)) {
      const { command } = await loadCommand();
      io.stderr.write(`  ${commandName.padEnd(9)} ${command.summary}\n`);
    }
    return help ? 0 : 2;
  }
  const { command } = await load();
  if (rest.includes('--help')) {
    io.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`riskgate-agent ${name}: ${error.message}\nusage: ${command.usage}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`riskgate-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
