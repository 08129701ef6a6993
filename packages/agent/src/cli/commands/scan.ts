import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AdbParseError } from '../../adb/adb-parse-error.ts';
import { createAdbRunner } from '../../adb/adb-runner.ts';
import { type AdbRunner, collectSnapshot } from '../../adb/collect-snapshot.ts';
import { createFixtureRunner } from '../../adb/fixture-runner.ts';
import { collectFromPath } from '../../collectors/collect-path.ts';
import { CollectorError } from '../../collectors/collector-error.ts';
import type { CollectedSnapshot, SourceKind } from '../../collectors/types.ts';
import { openAgent } from '../../sdk/agent-client.ts';
import { stateDirOf } from '../args.ts';
import { type Command, type CommandIo, UsageError } from '../command.ts';
import { formatStatus } from '../format.ts';

const AGENT_VERSION = '0.1.0';
const REPO_ROOT = resolve(import.meta.dirname, '../../../../..');
const SOURCES: readonly SourceKind[] = ['androidqf', 'bugreport', 'adb-folder', 'ios-backup'];

const OPTIONS = {
  source: { type: 'string' },
  serial: { type: 'string' },
  adb: { type: 'string' },
  replay: { type: 'string' },
  device: { type: 'boolean' },
  'hash-apks': { type: 'boolean' },
  report: { type: 'boolean' },
  'server-report': { type: 'boolean' },
  server: { type: 'string' },
  token: { type: 'string' },
  user: { type: 'string' },
  name: { type: 'string' },
  assess: { type: 'boolean' },
  offline: { type: 'boolean' },
  intel: { type: 'string', multiple: true },
  out: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Runs the server's `riskgate assess` on a snapshot file (a child process: no server imports here). */
function runAssess(
  snapshotFile: string,
  intel: readonly string[],
  json: boolean,
  io: CommandIo,
): Promise<{ code: number; out: string }> {
  const args = ['tsx', join(REPO_ROOT, 'packages/server/src/cli/main.ts'), 'assess', snapshotFile];
  for (const path of intel) args.push('--intel', path);
  if (json) args.push('--json');
  return new Promise((done, fail) => {
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk.toString('utf8')));
    child.on('error', fail);
    child.on('exit', (code) => done({ code: code ?? 1, out }));
  });
}

/** One line per field the source could not fill, so the reader knows what the verdict did not see. */
function describe(result: CollectedSnapshot, label: string): string {
  const { device, apps } = result.snapshot;
  const lines = [
    `scanned ${result.source} ${label}: ${device.manufacturer} ${device.model}, ${device.platform === 'ios' ? 'iOS' : 'Android'} ${device.osVersion}${
      device.securityPatch === undefined ? '' : ` (patch ${device.securityPatch})`
    }, ${apps.length} apps`,
  ];
  for (const missing of result.coverage.missing)
    lines.push(`  not filled  ${missing.field}: ${missing.reason}`);
  return `${lines.join('\n')}\n`;
}

async function collect(
  options: ReturnType<typeof parseOptionsWithPath>['values'],
  path: string | undefined,
  now: string,
): Promise<CollectedSnapshot> {
  const live =
    options.device === true ||
    options.replay !== undefined ||
    options.serial !== undefined ||
    options.adb !== undefined;
  if (path !== undefined && live)
    throw new UsageError('give a path or a live device (--device, --serial, --adb, --replay), not both');
  if (path === undefined && !live)
    throw new UsageError('give the path of an acquisition, or --device for a phone over adb');
  if (path !== undefined) {
    const kind = options.source;
    if (kind !== undefined && !SOURCES.includes(kind as SourceKind))
      throw new UsageError(`--source must be one of ${SOURCES.join(', ')}`);
    return collectFromPath(
      path,
      { now, agentVersion: AGENT_VERSION },
      kind as Exclude<SourceKind, 'adb'> | undefined,
    );
  }
  const runner: AdbRunner =
    options.replay !== undefined
      ? createFixtureRunner(options.replay)
      : createAdbRunner({
          ...(options.serial === undefined ? {} : { serial: options.serial }),
          ...(options.adb === undefined ? {} : { adbPath: options.adb }),
        });
  const hashApks = options['hash-apks'] === true;
  const { snapshot, warnings } = await collectSnapshot(runner, {
    now,
    agentVersion: AGENT_VERSION,
    // APK hashes (SHA-256, SHA-1, MD5) match the hashes reports publish; reading every APK takes time.
    hashApks,
  });
  return {
    source: 'adb',
    snapshot,
    warnings,
    coverage: {
      filled: [],
      missing: hashApks
        ? []
        : [
            {
              field: 'apps[].fileSha256',
              reason: 'APKs not hashed: add --hash-apks (reads every APK on the phone)',
            },
          ],
    },
  };
}

function parseOptionsWithPath(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function scan(args: readonly string[], io: CommandIo, name: string): Promise<number> {
  const { values: options, positionals } = parseOptionsWithPath(args);
  if (positionals.length > 1) throw new UsageError('give one path');
  const toServer =
    options.report === true || options['server-report'] === true || options.server !== undefined;
  const assessing = options.assess === true || (options.intel ?? []).length > 0;
  if (toServer && (options.offline === true || assessing))
    throw new UsageError(
      '--report sends the snapshot to a server; --assess / --offline / --intel check it here: choose one',
    );
  if (options.assess === true && (options.intel ?? []).length === 0)
    throw new UsageError('--assess needs --intel PATH');
  if (options.token !== undefined && options.server === undefined)
    throw new UsageError('--token needs --server URL');

  let result: CollectedSnapshot;
  try {
    result = await collect(options, positionals[0], new Date().toISOString());
  } catch (error) {
    if (!(error instanceof CollectorError) && !(error instanceof AdbParseError)) throw error;
    io.stderr.write(`${name}: ${error.message}\n`);
    return 1;
  }
  for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
  io.stderr.write(
    describe(result, positionals[0] ?? (options.replay === undefined ? 'adb' : `replay ${options.replay}`)),
  );
  const { snapshot, coverage, source } = result;

  if (toServer) {
    const agent = await openAgent({ stateDir: stateDirOf(options['state-dir'], io.env) });
    let enrollment = await agent.enrollment();
    if (options.token !== undefined && options.server !== undefined) {
      // Report as a new device: enroll it first with what the acquisition says it is.
      if (enrollment !== undefined)
        throw new UsageError(
          `this state directory is already enrolled as ${enrollment.deviceId}: give a new --state-dir for a new device`,
        );
      const { device } = snapshot;
      await agent.enroll({
        server: options.server,
        token: options.token,
        device: {
          platform: device.platform,
          model: device.model,
          manufacturer: device.manufacturer,
          osVersion: device.osVersion,
          agentVersion: AGENT_VERSION,
          ...(options.user === undefined ? {} : { user: options.user }),
          ...(options.name === undefined ? {} : { name: options.name }),
        },
      });
      enrollment = await agent.enrollment();
    }
    if (enrollment === undefined)
      throw new UsageError(
        'not enrolled: run riskgate-agent enroll first, or give --server URL --token T to enroll this phone as a new device',
      );
    if (options.server !== undefined && options.server !== enrollment.server)
      throw new UsageError(`this agent is enrolled with ${enrollment.server}, not ${options.server}`);
    const outcome = await agent.report({ snapshot });
    if (outcome.status !== 'acknowledged') {
      io.stderr.write(`report ${outcome.status}: ${outcome.error.message}\n`);
      return 1;
    }
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ source, coverage, deviceId: enrollment.deviceId, reply: outcome.reply })}\n`
        : formatStatus(outcome.reply),
    );
    return 0;
  }

  const text = `${JSON.stringify(snapshot, null, 2)}\n`;
  const intel = options.intel ?? [];
  if (intel.length === 0) {
    if (options.out !== undefined) await writeFile(options.out, text);
    if (options.json)
      io.stdout.write(`${JSON.stringify({ source, snapshot, coverage, warnings: result.warnings })}\n`);
    else if (options.out === undefined) io.stdout.write(text);
    return 0;
  }
  const dir = await mkdtemp(join(tmpdir(), 'riskgate-scan-'));
  try {
    const file = options.out ?? join(dir, 'snapshot.json');
    await writeFile(file, text);
    const { code, out } = await runAssess(
      file,
      intel.map((path) => resolve(path)),
      options.json === true,
      io,
    );
    if (options.json && code === 0) {
      io.stdout.write(`${JSON.stringify({ source, coverage, assessment: JSON.parse(out) as unknown })}\n`);
    } else io.stdout.write(out);
    return code;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const USAGE =
  'riskgate-agent scan (<path> [--source androidqf|bugreport|adb-folder|ios-backup] | --device [--serial S] [--adb PATH] [--hash-apks] | --replay android-10|android-13|android-14) [--assess --intel PATH… | --report [--server URL --token T [--user U] [--name N]] [--state-dir D]] [--out FILE] [--json]';

export const command: Command = {
  summary:
    'build a snapshot from an acquisition (AndroidQF, bugreport, adb outputs, iOS backup) or a phone over adb; assess it or report it',
  usage: USAGE,
  run: (args, io) => scan(args, io, 'scan'),
};

/** `scan-adb`: the live adb source of `scan` (kept as an alias). */
export const scanAdbCommand: Command = {
  summary: 'build a snapshot of an Android phone over adb (same as scan --device)',
  usage:
    'riskgate-agent scan-adb [--serial S] [--adb PATH] [--replay android-10|android-13|android-14] [--hash-apks] (--server-report [--state-dir D] | --offline [--intel PATH]… [--out FILE]) [--json]',
  run: (args, io) => {
    const live = args.some((arg) => ['--replay', '--serial', '--adb'].includes(arg.split('=')[0] ?? ''));
    return scan(live ? args : ['--device', ...args], io, 'scan-adb');
  },
};
