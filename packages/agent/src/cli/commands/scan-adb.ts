import { scanAdbCommand } from './scan.ts';

/** `scan-adb` is `scan` with the live adb source (kept as an alias). */
export const command = scanAdbCommand;
