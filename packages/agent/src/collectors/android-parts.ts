import type { App } from '@riskgate/engine';
import { AdbParseError } from '../adb/adb-parse-error.ts';
import { parseDumpsysPackage } from '../adb/dumpsys-package.ts';
import { parseGetprop } from '../adb/getprop.ts';
import { CollectorError, lineOf } from './collector-error.ts';

/** Turns an adb parser's error into one that names the file (and the line, when it says one). */
function rethrowFor(file: string, error: unknown, lineOffset = 0): never {
  if (!(error instanceof AdbParseError)) throw error;
  const detail = error.message.replace(/^cannot parse `[^`]*` output: /, '');
  const line = /\bline (\d+)/.exec(detail)?.[1];
  const location = line === undefined ? undefined : `line ${Number(line) + lineOffset}`;
  throw new CollectorError(file, location, detail.replace(/^line \d+ /, ''));
}

/** `getprop` output from a file (`[name]: [value]` lines); strict. */
export function readGetprop(file: string, text: string, lineOffset = 0): ReadonlyMap<string, string> {
  try {
    return parseGetprop(text);
  } catch (error) {
    return rethrowFor(file, error, lineOffset);
  }
}

/** Android versions by API level (`ro.build.version.sdk`, or dumpsys package `sdkVersion=`). */
const ANDROID_BY_SDK: ReadonlyMap<number, string> = new Map([
  [21, '5.0'],
  [22, '5.1'],
  [23, '6'],
  [24, '7.0'],
  [25, '7.1'],
  [26, '8.0'],
  [27, '8.1'],
  [28, '9'],
  [29, '10'],
  [30, '11'],
  [31, '12'],
  [32, '12.1'],
  [33, '13'],
  [34, '14'],
  [35, '15'],
  [36, '16'],
]);

/** The Android version of an API level, or undefined for one we do not know. */
export function androidVersionOfSdk(sdk: number): string | undefined {
  return ANDROID_BY_SDK.get(sdk);
}

/** One `DUMP OF SERVICE <name>:` section of a `dumpsys` / bugreport text, with its first line. */
export interface DumpsysSection {
  readonly service: string;
  readonly text: string;
  /** 0-based index of the section's first line (after the header) in the whole file. */
  readonly startLine: number;
  /** The file ended inside this section (no footer, no next section): it was cut. */
  readonly endedByEof: boolean;
}

const SERVICE_HEADER = /^DUMP OF SERVICE (?:HIGH |CRITICAL |NORMAL )?([\w.\-/]+):\s*$/;

/** Splits a text holding several `dumpsys` outputs into their sections. */
export function splitDumpsys(text: string): readonly DumpsysSection[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const sections: DumpsysSection[] = [];
  let current: { service: string; start: number; lines: string[]; footer: boolean } | undefined;
  const close = (endedByEof: boolean) => {
    if (current !== undefined)
      sections.push({
        service: current.service,
        text: current.lines.join('\n'),
        startLine: current.start,
        endedByEof: endedByEof && !current.footer,
      });
  };
  lines.forEach((line, index) => {
    const header = SERVICE_HEADER.exec(line);
    if (header?.[1] !== undefined) {
      close(false);
      current = { service: header[1], start: index + 1, lines: [], footer: false };
    } else if (current !== undefined) {
      current.lines.push(line);
      if (/^-{9} [\d.]+s was the duration of /.test(line) || /^-{20,}$/.test(line)) current.footer = true;
    }
  });
  close(true);
  return sections;
}

/** What the `dumpsys package` output says about the device and every package it lists. */
export interface PackageDump {
  /** `sdkVersion=` of the internal storage's package database: the platform's API level. */
  readonly sdkVersion?: number;
  readonly apps: readonly App[];
}

const PACKAGE_HEADER = /^ {2}Package \[([^\]]+)\] \(/;

/**
 * Reads every `Package [id]` block of a `dumpsys package` output (a whole file, or the section of a
 * bugreport starting at `lineOffset`). A block that is cut short (no codePath/userId) or an id that
 * is not a package name is an error naming the block's line.
 */
export function readPackageDump(file: string, text: string, lineOffset = 0, timeZone?: string): PackageDump {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const internal = lines.findIndex((line) => line.trim() === 'Internal:');
  const sdkText = internal < 0 ? undefined : /sdkVersion=(\d+)/.exec(lines[internal + 1] ?? '')?.[1];
  const apps: App[] = [];
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const header = PACKAGE_HEADER.exec(line);
    if (header?.[1] === undefined) return;
    const id = header[1];
    if (!/^[A-Za-z0-9_.-]+$/.test(id) || id.length > 255)
      throw new CollectorError(
        file,
        lineOf(index + lineOffset),
        `invalid package name ${JSON.stringify(id)}`,
      );
    if (seen.has(id)) return; // a package listed again under `Hidden system packages:`
    seen.add(id);
    let detail: ReturnType<typeof parseDumpsysPackage>;
    try {
      let end = index + 1;
      while (end < lines.length && ((lines[end] ?? '').trim() === '' || /^ {3,}/.test(lines[end] ?? '')))
        end++;
      detail = parseDumpsysPackage(lines.slice(index, end).join('\n'), id, timeZone);
    } catch (error) {
      if (!(error instanceof AdbParseError)) throw error;
      throw new CollectorError(file, lineOf(index + lineOffset), error.message.replace(/^cannot parse /, ''));
    }
    const block = lines.slice(index + 1, index + 400);
    const until = block.findIndex((candidate) => PACKAGE_HEADER.test(candidate) || /^\S/.test(candidate));
    const own = until < 0 ? block : block.slice(0, until);
    // Android 12+ prints `appId=` where older versions print `userId=`; every version prints codePath.
    for (const keys of [['codePath='], ['userId=', 'appId=']])
      if (!own.some((candidate) => keys.some((key) => candidate.trimStart().startsWith(key))))
        throw new CollectorError(
          file,
          lineOf(index + lineOffset),
          `the block of ${id} has no ${keys.map((key) => key.slice(0, -1)).join(' or ')}: truncated?`,
        );
    const certSha256 = detail.certSha256[0];
    const certSha1 = detail.certSha1[0];
    const permissions = (
      detail.grantedPermissions.length > 0 ? detail.grantedPermissions : detail.requestedPermissions
    ).slice(0, 500);
    apps.push({
      id,
      system: detail.system,
      ...(detail.installer === undefined ? {} : { installer: detail.installer }),
      ...(detail.versionName === undefined ? {} : { version: detail.versionName.slice(0, 128) }),
      ...(certSha256 === undefined ? {} : { certSha256 }),
      ...(certSha1 === undefined ? {} : { certSha1 }),
      ...(permissions.length === 0 ? {} : { permissions }),
      ...(detail.firstInstallTime === undefined ? {} : { firstInstallTime: detail.firstInstallTime }),
      ...(detail.lastUpdateTime === undefined ? {} : { lastUpdateTime: detail.lastUpdateTime }),
    });
  });
  const sdkVersion = sdkText === undefined ? undefined : Number(sdkText);
  return { apps, ...(sdkVersion === undefined ? {} : { sdkVersion }) };
}

/**
 * `ps` / `ps -A` output: a header naming the columns (`USER PID PPID … NAME`; dumpstate's
 * `ps -A -T -Z -O …` ends in `CMD`), then one process a
 * line. The name is the last column (kernel threads in brackets). Strict about the header and rows.
 */
export function readPs(file: string, text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  const header = (lines[headerIndex] ?? '').trim().split(/\s+/);
  if (headerIndex < 0 || !header.includes('PID') || !['NAME', 'CMD', 'COMMAND'].includes(header.at(-1) ?? ''))
    throw new CollectorError(
      file,
      lineOf(Math.max(headerIndex, 0)),
      'expected a `ps` header ending in NAME or CMD (USER PID … NAME)',
    );
  const pidColumn = header.indexOf('PID');
  const names = new Set<string>();
  lines.slice(headerIndex + 1).forEach((line, offset) => {
    if (line.trim() === '') return;
    const fields = line.trim().split(/\s+/);
    const location = lineOf(headerIndex + 1 + offset);
    if (fields.length < header.length)
      throw new CollectorError(
        file,
        location,
        `${fields.length} columns, the header has ${header.length}: truncated?`,
      );
    if (!/^\d+$/.test(fields[pidColumn] ?? ''))
      throw new CollectorError(file, location, `PID ${JSON.stringify(fields[pidColumn])} is not a number`);
    const name = fields.slice(header.length - 1).join(' ');
    if (name.length <= 256) names.add(name);
  });
  return [...names].slice(0, 2000);
}

/** `key=value` lines of AndroidQF's `settings_<namespace>.txt`; strict about the line format. */
export function readSettingsFile(
  file: string,
  text: string,
): ReadonlyMap<string, { value: string; line: number }> {
  const settings = new Map<string, { value: string; line: number }>();
  let previous: string | undefined;
  text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      const eq = line.indexOf('=');
      if (eq <= 0) {
        // `settings list` prints values raw, so a value may span lines; the first line must be a key.
        if (previous === undefined)
          throw new CollectorError(file, lineOf(index), `not \`key=value\`: ${line.slice(0, 80)}`);
        const entry = settings.get(previous);
        if (entry !== undefined) settings.set(previous, { ...entry, value: `${entry.value}\n${line}` });
        return;
      }
      previous = line.slice(0, eq).trim();
      settings.set(previous, { value: line.slice(eq + 1).trim(), line: index });
    });
  return settings;
}

/** A boolean setting (`1`/`0`; `null` or empty: unknown). Another value is an error naming the key. */
export function settingBoolean(
  file: string,
  settings: ReadonlyMap<string, { value: string; line: number }>,
  key: string,
): boolean | undefined {
  const entry = settings.get(key);
  if (entry === undefined || entry.value === 'null' || entry.value === '') return undefined;
  if (entry.value === '1') return true;
  if (entry.value === '0') return false;
  throw new CollectorError(
    file,
    `${lineOf(entry.line)} (key ${key})`,
    `expected 0 or 1, got ${JSON.stringify(entry.value.slice(0, 40))}`,
  );
}
