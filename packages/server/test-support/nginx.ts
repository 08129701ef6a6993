import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian puts nginx; `RISKGATE_NGINX` overrides it. */
export const DEFAULT_NGINX_PATH = '/usr/sbin/nginx';

/** What a config function receives: the free loopback ports picked for it and the prefix directory. */
export interface NginxEnv {
  readonly ports: readonly number[];
  /** The nginx prefix directory (`-p`); files from `files` are written here. */
  readonly dir: string;
}

export interface StartNginxOptions {
  /**
   * The configuration: either the body of the `http {}` block (wrapped with `events {}` and temp
   * paths inside the prefix), or a full nginx.conf when it contains a top-level `http {` block.
   * A function receives the free ports picked for this instance.
   */
  readonly config: string | ((env: NginxEnv) => string);
  /** How many free loopback ports to pick (default 1). nginx must listen on all of them. */
  readonly portCount?: number;
  /** Files written into the prefix directory before start (certificates, keys), by relative name. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** How long to wait until every port accepts connections (default 10 s). */
  readonly startTimeoutMs?: number;
  /** The nginx binary (default `RISKGATE_NGINX` or `/usr/sbin/nginx`). */
  readonly binary?: string;
}

export interface RunningNginx {
  readonly ports: readonly number[];
  /** The first port. */
  readonly port: number;
  readonly dir: string;
  /** What nginx wrote to stderr so far (error log), for assertions and failure messages. */
  logs(): string;
  /** Stops nginx (graceful, then forced) and removes the prefix directory. Idempotent. */
  stop(): Promise<void>;
}

/** The nginx binary to use, or `undefined` when it is not installed/executable. */
export function findNginx(binary = process.env.RISKGATE_NGINX ?? DEFAULT_NGINX_PATH): string | undefined {
  try {
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}

/** A loopback port that was free a moment ago (bind to 0, read, close). */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

const HAS_HTTP_BLOCK = /^\s*http\s*\{/m;

/** Wraps an `http {}` body into a full nginx.conf whose temp files stay inside the prefix. */
function wrapConfig(body: string, dir: string): string {
  if (HAS_HTTP_BLOCK.test(body)) return body;
  // Debian compiles temp paths under /var/lib/nginx; keep them in the prefix so tests are isolated.
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(dir, 'temp', kind)};`)
    .join('\n');
  return `worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
${temp}
${body}
}
`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const MAX_LOG = 64 * 1024;

async function startOnce(options: StartNginxOptions, binary: string): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'riskgate-nginx-'));
  // nginx workers run as www-data when started by root: they must be able to traverse the prefix.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'temp'), { mode: 0o755 });
  const ports: number[] = [];
  for (let i = 0; i < (options.portCount ?? 1); i++) ports.push(await pickFreePort());
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await writeFile(join(dir, name), content, { mode: 0o600 });
  }
  const body = typeof options.config === 'function' ? options.config({ ports, dir }) : options.config;
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, wrapConfig(body, dir));

  const args = [
    '-e',
    'stderr',
    '-p',
    dir,
    '-c',
    confPath,
    '-g',
    `daemon off; pid ${join(dir, 'nginx.pid')};`,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log = (log + chunk).slice(-MAX_LOG);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGQUIT'); // graceful: finish in-flight requests
      if (!(await waitForExit(child, 3000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 3000);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new NginxStartError(`nginx exited during start (code ${child.exitCode}):\n${log}`, log);
    }
    const ready = await Promise.all(ports.map(canConnect));
    if (ready.every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new NginxStartError(
        `nginx did not accept connections on ${ports.join(', ')} in time:\n${log}`,
        log,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const [port = 0] = ports;
  return { ports, port, dir, logs: () => log, stop };
}

/** nginx could not be started; `log` is its stderr. */
export class NginxStartError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
    this.name = 'NginxStartError';
  }
}

/**
 * Starts Debian's nginx as a child process (`daemon off`, error log on stderr) with a private
 * prefix directory, on loopback ports picked free, and resolves once every port accepts
 * connections. A port taken between picking and binding is retried with fresh ports.
 */
export async function startNginx(options: StartNginxOptions): Promise<RunningNginx> {
  const binary = options.binary ?? findNginx();
  if (binary === undefined) {
    throw new Error(
      `nginx not found at ${process.env.RISKGATE_NGINX ?? DEFAULT_NGINX_PATH} (apt-get install nginx)`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, binary);
    } catch (error) {
      const portRace = error instanceof NginxStartError && error.log.includes('Address already in use');
      if (!portRace || attempt >= 3) throw error;
    }
  }
}
