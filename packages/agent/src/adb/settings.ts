import { AdbParseError } from './adb-parse-error.ts';

/**
 * Parses the output of `settings get <namespace> <key>` for a boolean setting: `1` → true, `0` →
 * false, `null` (never set) → undefined. Anything else is an `AdbParseError`.
 */
export function parseSettingBoolean(key: string, text: string): boolean | undefined {
  const value = text.trim();
  if (value === '1') return true;
  if (value === '0') return false;
  if (value === 'null' || value === '') return undefined;
  throw new AdbParseError(
    `settings get ${key}`,
    `expected 0, 1 or null, got ${JSON.stringify(value.slice(0, 40))}`,
  );
}
