import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickFreePort } from './nginx.ts';

/** Where Debian puts Caddy; `RISKGATE_CADDY` overrides it. */
export const DEFAULT_CADDY_PATH = '/usr/bin/caddy';

export function findCaddy(binary = process.env.RISKGATE_CADDY ?? DEFAULT_CADDY_PATH): string | undefined {
  try {
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}

export interface RunningCaddy {
  readonly port: number;
  readonly dir: string;
  logs(): string;
  stop(): Promise<void>;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const exited = (child: ChildProcess, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/**
 * Starts Debian's Caddy (`caddy run`) with a Caddyfile made of global options that keep it
 * self-contained (no admin endpoint, no automatic HTTPS, storage in a private directory) and the
 * site block `site(port, dir)` returns; resolves once the port accepts connections.
 */
export async function startCaddy(options: {
  readonly site: (port: number, dir: string) => string;
  readonly files?: Readonly<Record<string, string>>;
}): Promise<RunningCaddy> {
  const binary = findCaddy();
  if (binary === undefined) throw new Error('caddy not found (apt-get install caddy) or set RISKGATE_CADDY');
  const dir = await mkdtemp(join(tmpdir(), 'riskgate-caddy-'));
  for (const [name, content] of Object.entries(options.files ?? {}))
    await writeFile(join(dir, name), content, { mode: 0o600 });
  const port = await pickFreePort();
  const caddyfile = `{
\tadmin off
\tauto_https off
\tstorage file_system ${join(dir, 'data')}
}

${options.site(port, dir)}`;
  await writeFile(join(dir, 'Caddyfile'), caddyfile);
  const child = spawn(binary, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    },
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await exited(child, 3000))) {
        child.kill('SIGKILL');
        await exited(child, 3000);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`caddy did not start on ${port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, dir, logs: () => log, stop };
}
