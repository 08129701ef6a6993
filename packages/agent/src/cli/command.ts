/** Where a CLI command writes. Injected so that commands can be tested without a real terminal. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * One `riskgate-agent <name>` sub-command, in `cli/commands/<name>.ts`. `run` returns the exit code:
 * 0 success, 1 failure, 2 usage error. It throws only for broken infrastructure.
 */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** A usage error: the CLI prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
