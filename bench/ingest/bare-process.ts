import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface BareProcess {
  readonly url: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** Starts `bare-child.ts` (the ingest baseline route) in its own process; resolves with its URL. */
export function startBareProcess(): Promise<BareProcess> {
  const script = join(import.meta.dirname, 'bare-child.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined)
        resolve({
          url: line.trim().replace(/\/$/, ''),
          pid: child.pid ?? 0,
          close: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`bare route exited with ${code}`)));
  });
}
