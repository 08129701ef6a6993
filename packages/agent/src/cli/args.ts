import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './command.ts';

type Spec = Readonly<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>;

/** Parses `--name value` options strictly; unknown options and positionals are usage errors. */
export function parseOptions<S extends Spec>(args: readonly string[], spec: S) {
  try {
    return parseArgs({ args: [...args], options: spec, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A required string option. */
export function required(value: string | boolean | (string | boolean)[] | undefined, name: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A positive integer option with a default. */
export function positiveInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`--${name} must be a positive integer`);
  return number;
}

/** A positive number option with a default. */
export function positiveNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${name} must be a positive number`);
  return number;
}

/** A duration: `90`, `90s`, `5m`, `1h`, `500ms`. Returns milliseconds. */
export function parseDuration(value: unknown, name: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(value));
  if (match?.[1] === undefined) throw new UsageError(`--${name} must be a duration like 30s, 5m or 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Number(match[1]) * unit;
}

/**
 * A point in time (`2027-03-01` or a full ISO 8601 timestamp) for `--now`; `fallback` when absent.
 * Profiles compute every date (patch level, install times, probes) from it.
 */
export function parseInstant(value: unknown, name: string, fallback: () => Date): Date {
  if (value === undefined) return fallback();
  const text = String(value);
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    throw new UsageError(`--${name} must be a date like 2027-03-01 or 2027-03-01T12:00:00Z`);
  return new Date(time);
}

/** The agent's state directory: `--state-dir`, else `RISKGATE_AGENT_STATE`, else `~/.riskgate-agent`. */
export function stateDirOf(value: unknown, env: Readonly<Record<string, string | undefined>>): string {
  if (typeof value === 'string' && value !== '') return value;
  return env.RISKGATE_AGENT_STATE ?? join(homedir(), '.riskgate-agent');
}
