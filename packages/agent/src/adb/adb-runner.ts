import { execFile } from 'node:child_process';
import type { AdbRunner } from './collect-snapshot.ts';

export interface AdbRunnerOptions {
  /** Device serial (`adb -s SERIAL`); the only attached device when absent. */
  readonly serial?: string;
  /** Path of the adb binary. Default `adb` (from PATH). */
  readonly adbPath?: string;
  /** Per-command timeout. Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * A runner over the real `adb` binary: `adb [-s SERIAL] shell <args…>`. Arguments are passed without a
 * local shell; adb joins them for the device shell, so none of ours contain shell metacharacters.
 */
export function createAdbRunner(options: AdbRunnerOptions = {}): AdbRunner {
  const prefix = options.serial === undefined ? [] : ['-s', options.serial];
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(
        options.adbPath ?? 'adb',
        [...prefix, 'shell', ...args],
        { timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error)
            reject(new Error(`adb shell ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
          else resolve(stdout);
        },
      );
    });
}
