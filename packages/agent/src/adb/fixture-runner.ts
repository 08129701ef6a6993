import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdbRunner } from './collect-snapshot.ts';

/** Directory of the recorded adb outputs (see fixtures/README.md). */
export const FIXTURES_DIR = join(import.meta.dirname, 'fixtures');

/** Reads one fixture file of one recorded device, e.g. `('android-14', 'getprop.txt')`. */
export function readFixture(device: string, file: string): string {
  return readFileSync(join(FIXTURES_DIR, device, file), 'utf8');
}

/** The fixture file that holds the output of `adb shell <args…>`. */
export function fixtureFileFor(args: readonly string[]): string {
  const [first, second, third, fourth] = args;
  if (first === 'getprop') return 'getprop.txt';
  if (first === 'pm' && second === 'list') return 'pm-list-packages.txt';
  if (first === 'dumpsys' && second === 'package') return `dumpsys-package-${third}.txt`;
  if (first === 'dumpsys') return `dumpsys-${second}.txt`;
  if (first === 'settings' && second === 'get') return `settings-${third}-${fourth}.txt`;
  throw new Error(`no fixture for adb shell ${args.join(' ')}`);
}

/**
 * A fake runner that answers from a recorded device's fixture files; `dumpsys package` of a package
 * without a file answers like a device does for an unknown package. Used by tests and `scan-adb --replay`.
 */
export function createFixtureRunner(
  device: string,
  overrides: Readonly<Record<string, string>> = {},
): AdbRunner {
  return async (args) => {
    const file = fixtureFileFor(args);
    const override = overrides[file];
    if (override !== undefined) return override;
    try {
      return readFixture(device, file);
    } catch {
      if (args[1] === 'package') return `Unable to find package: ${args[2]}\n`;
      throw new Error(`no fixture ${device}/${file}`);
    }
  };
}
