import type { CommandIo } from '../src/cli/command.ts';

/** A {@link CommandIo} over `env` that keeps what a command writes, for assertions. */
export function captureIo(env: Record<string, string>): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env,
    out: () => out,
    err: () => err,
  };
}
