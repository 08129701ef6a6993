/** Where a CLI command writes. Injected so that commands can be tested without a real terminal. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * One `riskgate <name>` sub-command, in `cli/commands/<name>.ts`. `run` returns the process exit
 * code; it throws only for broken infrastructure (the CLI prints such errors without a stack).
 */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}
