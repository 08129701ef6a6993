import { readGetprop, readPackageDump, readPs, splitDumpsys } from './android-parts.ts';
import { type AndroidParts, assembleAndroidSnapshot } from './android-snapshot.ts';
import { CollectorError } from './collector-error.ts';
import type { SourceFiles } from './source-files.ts';
import type { CollectedSnapshot, CollectOptions } from './types.ts';

/** A `------ TITLE (command) ------` section of dumpstate: its lines and where they start. */
function dumpstateSection(
  lines: readonly string[],
  title: RegExp,
): { text: string; start: number } | undefined {
  const start = lines.findIndex((line) => /^------ .* ------$/.test(line) && title.test(line));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !/^------ /.test(lines[end] ?? '')) end++;
  const body = lines.slice(start + 1, end);
  // dumpstate closes a section with `------ 0.012s was the duration of '…' ------`: not part of it.
  return { text: body.join('\n'), start: start + 1 };
}

/** The dumpstate text of a bugreport: `main_entry.txt` names it, else `bugreport-*.txt` or `dumpstate.txt`. */
export function findDumpstate(files: SourceFiles): string | undefined {
  const main = files.read('main_entry.txt')?.toString('utf8').trim();
  if (main !== undefined && main !== '') {
    if (files.read(main) === undefined)
      throw new CollectorError(
        files.display('main_entry.txt'),
        'line 1',
        `names ${main}, which is not in the bugreport`,
      );
    return main;
  }
  return (
    files.names.find((name) => /^bugreport-.*\.txt$/.test(name)) ??
    files.names.find((name) => name === 'dumpstate.txt')
  );
}

/**
 * An Android bugreport (zip, folder, or its `dumpstate.txt`): the system properties section (OS
 * version, patch level, model) when the report has it, the `dumpsys package` section (every package,
 * its version, installer, permissions; the API level), and the process list.
 */
export function collectBugreport(
  files: SourceFiles,
  name: string,
  options: CollectOptions,
): CollectedSnapshot {
  const file = files.display(name);
  const text = files.read(name)?.toString('utf8') ?? '';
  if (text.trim() === '') throw new CollectorError(file, undefined, 'the dumpstate text is empty');
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const sections = splitDumpsys(text);
  if (sections.length === 0 && !lines.some((line) => /^== dumpstate/.test(line)))
    throw new CollectorError(
      file,
      'line 1',
      'neither `== dumpstate` nor `DUMP OF SERVICE` sections: not a bugreport',
    );
  const parts: { -readonly [K in keyof AndroidParts]: AndroidParts[K] } = {};
  const props = dumpstateSection(lines, /SYSTEM PROPERTIES/);
  if (props !== undefined) {
    const body = props.text.replace(/\n------ .*$/s, '');
    parts.props = { file, values: readGetprop(file, body, props.start) };
  }
  const timeZone = parts.props?.values.get('persist.sys.timezone');
  const packageSection = sections.find((section) => section.service === 'package');
  if (packageSection?.endedByEof === true)
    throw new CollectorError(
      file,
      `line ${lines.length}`,
      'the file ends inside the `dumpsys package` section: truncated?',
    );
  if (packageSection !== undefined) {
    const dump = readPackageDump(file, packageSection.text, packageSection.startLine, timeZone);
    if (dump.apps.length === 0)
      throw new CollectorError(
        file,
        `line ${packageSection.startLine}`,
        'the `dumpsys package` section lists no package: truncated?',
      );
    parts.apps = { file, values: dump.apps, hashes: false };
    if (dump.sdkVersion !== undefined) parts.sdkVersion = { file, value: dump.sdkVersion };
  }
  const ps = dumpstateSection(lines, /PROCESSES AND THREADS|^------ PROCESSES \(ps/);
  if (ps !== undefined) parts.processes = { file, values: readPs(file, ps.text.split(/\n\s*\n/)[0] ?? '') };
  return assembleAndroidSnapshot('bugreport', parts, options);
}
