import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ReportLoadOptions, ReportLoadResult } from './report-load.ts';

/** Runs `runReportLoad` in a child Node process (with tsx): the load generator gets its own event loop. */
export function reportLoadFromChild(options: ReportLoadOptions): Promise<ReportLoadResult> {
  const script = join(import.meta.dirname, 'report-load-child.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.end(JSON.stringify(options));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`report load generator exited with ${code}`));
      else resolve(JSON.parse(out) as ReportLoadResult);
    });
  });
}
