import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, milliseconds) a process has used so far, from `/proc/<pid>/stat`
 * (Linux; clock ticks of 10 ms). `undefined` when it cannot be read (other platforms, process gone).
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * 10 : undefined;
  } catch {
    return undefined;
  }
}
