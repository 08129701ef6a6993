import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdbParseError } from '../../adb/adb-parse-error.ts';
import { createAdbRunner } from '../../adb/adb-runner.ts';
import { type AdbRunner, collectSnapshot } from '../../adb/collect-snapshot.ts';
import { createFixtureRunner } from '../../adb/fixture-runner.ts';
import { openAgent } from '../../sdk/agent-client.ts';
import { parseOptions, stateDirOf } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { formatStatus } from '../format.ts';

const AGENT_VERSION = '0.1.0';
const REPO_ROOT = resolve(import.meta.dirname, '../../../../..');

/** Runs the server's `riskgate assess` on a snapshot file (a child process: no server imports here). */
function runAssess(snapshotFile: string, intel: readonly string[]): Promise<number> {
  const args = ['tsx', join(REPO_ROOT, 'packages/server/src/cli/main.ts'), 'assess', snapshotFile];
  for (const path of intel) args.push('--intel', path);
  return new Promise((done, fail) => {
    const child = spawn('npx', args, { stdio: 'inherit', cwd: REPO_ROOT });
    child.on('error', fail);
    child.on('exit', (code) => done(code ?? 1));
  });
}

export const command: Command = {
  summary: 'build a snapshot of an Android phone over adb, then report it or assess it offline',
  usage:
    'riskgate-agent scan-adb [--serial S] [--adb PATH] [--replay android-10|android-13|android-14] [--hash-apks] (--server-report [--state-dir D] | --offline [--intel PATH]… [--out FILE]) [--json]',
  async run(args, io) {
    const options = parseOptions(args, {
      serial: { type: 'string' },
      adb: { type: 'string' },
      replay: { type: 'string' },
      server: { type: 'string' },
      'server-report': { type: 'boolean' },
      offline: { type: 'boolean' },
      intel: { type: 'string', multiple: true },
      out: { type: 'string' },
      'state-dir': { type: 'string' },
      json: { type: 'boolean' },
      'hash-apks': { type: 'boolean' },
    });
    const toServer = options['server-report'] === true || options.server !== undefined;
    if (toServer === (options.offline === true))
      throw new UsageError('choose one of --server / --server-report or --offline');
    const runner: AdbRunner =
      options.replay !== undefined
        ? createFixtureRunner(options.replay)
        : createAdbRunner({
            ...(options.serial === undefined ? {} : { serial: options.serial }),
            ...(options.adb === undefined ? {} : { adbPath: options.adb }),
          });
    let result: Awaited<ReturnType<typeof collectSnapshot>>;
    try {
      result = await collectSnapshot(runner, {
        now: new Date().toISOString(),
        agentVersion: AGENT_VERSION,
        // APK hashes (SHA-256, SHA-1, MD5) match the hashes reports publish; reading every APK takes time.
        hashApks: options['hash-apks'] === true,
      });
    } catch (error) {
      if (!(error instanceof AdbParseError)) throw error;
      io.stderr.write(`scan-adb: ${error.message}\n`);
      return 1;
    }
    for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
    const { snapshot } = result;
    io.stderr.write(
      `scanned ${snapshot.device.manufacturer} ${snapshot.device.model}, Android ${snapshot.device.osVersion}, ${snapshot.apps.length} apps\n`,
    );

    if (toServer) {
      const agent = await openAgent({ stateDir: stateDirOf(options['state-dir'], io.env) });
      const enrollment = await agent.enrollment();
      if (enrollment === undefined) throw new UsageError('not enrolled: run riskgate-agent enroll first');
      if (options.server !== undefined && options.server !== enrollment.server) {
        throw new UsageError(`this agent is enrolled with ${enrollment.server}, not ${options.server}`);
      }
      const outcome = await agent.report({ snapshot });
      if (outcome.status !== 'acknowledged') {
        io.stderr.write(`report ${outcome.status}: ${outcome.error.message}\n`);
        return 1;
      }
      io.stdout.write(options.json ? `${JSON.stringify(outcome.reply)}\n` : formatStatus(outcome.reply));
      return 0;
    }

    const text = `${JSON.stringify(snapshot, null, 2)}\n`;
    const intel = options.intel ?? [];
    if (intel.length === 0) {
      if (options.out === undefined) io.stdout.write(text);
      else await writeFile(options.out, text);
      return 0;
    }
    const dir = await mkdtemp(join(tmpdir(), 'riskgate-scan-'));
    try {
      const file = options.out ?? join(dir, 'snapshot.json');
      await writeFile(file, text);
      return await runAssess(
        file,
        intel.map((path) => resolve(path)),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
