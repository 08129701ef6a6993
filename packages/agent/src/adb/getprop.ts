import { AdbParseError, requireOutput } from './adb-parse-error.ts';

const LINE = /^\[([^\]]+)\]: \[(.*)$/;

/**
 * Parses `adb shell getprop` output (`[ro.build.version.release]: [14]`, one property a line; a value
 * may span lines until its closing `]`). Fails on truncated output or a line in another format.
 */
export function parseGetprop(text: string): ReadonlyMap<string, string> {
  requireOutput('getprop', text);
  const props = new Map<string, string>();
  let open: { name: string; value: string; line: number } | undefined;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  lines.forEach((line, index) => {
    if (open !== undefined) {
      if (line.endsWith(']')) {
        props.set(open.name, `${open.value}\n${line.slice(0, -1)}`);
        open = undefined;
      } else open.value += `\n${line}`;
      return;
    }
    if (line.trim() === '') return;
    const match = LINE.exec(line);
    if (match === null)
      throw new AdbParseError(
        'getprop',
        `line ${index + 1} is not \`[name]: [value]\`: ${line.slice(0, 80)}`,
      );
    const [, name = '', rest = ''] = match;
    if (rest.endsWith(']')) props.set(name, rest.slice(0, -1));
    else open = { name, value: rest, line: index + 1 };
  });
  if (open !== undefined) {
    throw new AdbParseError(
      'getprop',
      `value of ${open.name} (line ${open.line}) is not closed: output truncated?`,
    );
  }
  return props;
}
