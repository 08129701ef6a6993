/**
 * The ingest load generator (run it in its own process, see `reportLoadFromChild`): enrolls
 * simulated devices through the real API (or, for the bare route, gives them made-up ids),
 * pre-generates each device's full snapshot from the agent's profiles, then sends signed
 * `POST /v1/device/reports` on kept-alive sockets from `connections` closed-loop workers. Each
 * request gets a fresh report id and is signed at send time (timestamp, nonce, body digest).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import {
  assignProfiles,
  createAgentClient,
  createMemoryEnrollmentStore,
  createRng,
  type DeviceKey,
  describeDevice,
  generateDevice,
  generateDeviceKey,
  loadProfileIntel,
  parseMix,
  SIGNATURE_HEADER,
  signRequest,
} from '@riskgate/agent';
import { createMemoryReportQueue } from '../../packages/agent/src/sdk/memory-queue.ts';
import { percentile } from '../lib/stats.ts';
import { processCpuMs } from './process-cpu.ts';

/** Default fleet mix: mostly clean devices, a realistic share with threats. */
export const DEFAULT_MIX =
  'clean=70,clean-ios=10,stalkerware=3,spyware=2,rooted=2,no-screen-lock=3,old-patch=3,mitm=2,open-wifi=2,phishing=2,c2=1';

export interface ReportLoadOptions {
  /** Base URL of the server (no trailing slash). */
  readonly url: string;
  /** `riskgate`: enroll with `enrollmentToken`; `bare`: no enrollment, made-up device ids. */
  readonly mode: 'riskgate' | 'bare';
  readonly enrollmentToken?: string;
  readonly devices: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly seed: number;
  readonly datasetsDir: string;
  readonly mix?: string;
  /** The server's process id: its CPU time over the measured phase is reported (Linux). */
  readonly serverPid?: number;
}

export interface ReportLoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanBodyBytes: number;
  readonly meanApps: number;
  /** Client time to sign one request (body digest + ES256), mean. */
  readonly meanSignMs: number;
  readonly enrollSeconds: number;
  /** Server process CPU time (user + system) per acknowledged report over the measured phase. */
  readonly serverCpuMsPerReport: number | undefined;
}

interface LoadDevice {
  readonly key: DeviceKey;
  readonly kid: string;
  readonly clockOffsetMs: number;
  /** `{"reportId":"` … the snapshot JSON tail, without the report id. */
  readonly bodyTail: string;
}

const REPORT_PATH = '/v1/device/reports';

async function prepareDevices(
  options: ReportLoadOptions,
): Promise<{ devices: LoadDevice[]; apps: number[]; enrollSeconds: number }> {
  const intel = loadProfileIntel(options.datasetsDir);
  const rng = createRng(`ingest:${options.seed}`);
  const profiles = assignProfiles(parseMix(options.mix ?? DEFAULT_MIX), options.devices, rng);
  const now = new Date();
  const devices: LoadDevice[] = [];
  const apps: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < profiles.length) {
      const index = next++;
      const profile = profiles[index] ?? 'clean';
      const seed = `ingest:${options.seed}:${index}`;
      const key = generateDeviceKey();
      let kid = `dev_bench${String(index).padStart(17, '0')}`;
      let clockOffsetMs = 0;
      if (options.mode === 'riskgate') {
        const enrollment = createMemoryEnrollmentStore();
        const client = createAgentClient({ key, queue: createMemoryReportQueue(), enrollment });
        const d = describeDevice(profile, { seed, intel, now });
        const reply = await client.enroll({
          server: options.url,
          token: options.enrollmentToken ?? '',
          device: {
            platform: d.platform,
            model: d.model,
            manufacturer: d.manufacturer,
            osVersion: d.osVersion,
            agentVersion: d.agentVersion,
            name: `bench-${profile}-${index}`,
          },
        });
        kid = reply.deviceId;
        clockOffsetMs = (await enrollment.load())?.clockOffsetMs ?? 0;
      }
      const snapshot = generateDevice(profile, { seed, intel, now }).snapshot;
      apps.push(snapshot.apps.length);
      devices[index] = {
        key,
        kid,
        clockOffsetMs,
        bodyTail: `","kind":"full","snapshot":${JSON.stringify(snapshot)}}`,
      };
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { devices, apps, enrollSeconds: (performance.now() - started) / 1000 };
}

function post(agent: Agent, url: URL, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [SIGNATURE_HEADER]: signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Enrolls and pre-generates, warms up for `warmupMs`, then measures for `durationMs`. */
export async function runReportLoad(options: ReportLoadOptions): Promise<ReportLoadResult> {
  const { devices, apps, enrollSeconds } = await prepareDevices(options);
  const url = new URL(`${options.url}${REPORT_PATH}`);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  let cursor = 0;
  let bodyBytes = 0;
  let signNs = 0;
  let signed = 0;
  const phase = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let errors = 0;
    const start = performance.now();
    const end = start + ms;
    const worker = async () => {
      while (performance.now() < end) {
        const device = devices[cursor++ % devices.length] as LoadDevice;
        const sent = performance.now();
        const body = `{"reportId":"${randomUUID()}${device.bodyTail}`;
        const signature = signRequest({
          method: 'POST',
          path: REPORT_PATH,
          body,
          privateKey: device.key.privateKey,
          identity: { kid: device.kid },
          ts: Math.floor((Date.now() + device.clockOffsetMs) / 1000),
        });
        if (record) {
          signNs += (performance.now() - sent) * 1e6;
          signed++;
          bodyBytes += body.length;
        }
        try {
          const status = await post(agent, url, body, signature);
          latencies.push(performance.now() - sent);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status !== 200) errors++;
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: options.connections }, worker));
    return { latencies, statuses, errors, seconds: (performance.now() - start) / 1000 };
  };
  await phase(options.warmupMs, false);
  const cpuBefore = options.serverPid === undefined ? undefined : processCpuMs(options.serverPid);
  const measured = await phase(options.durationMs, true);
  const cpuAfter = options.serverPid === undefined ? undefined : processCpuMs(options.serverPid);
  agent.destroy();
  const ok = measured.statuses['200'] ?? 0;
  return {
    requests: measured.latencies.length,
    errors: measured.errors,
    statuses: measured.statuses,
    perSecond: ok / measured.seconds,
    p50Ms: percentile(measured.latencies, 50),
    p99Ms: percentile(measured.latencies, 99),
    meanBodyBytes: signed === 0 ? 0 : bodyBytes / signed,
    meanApps: apps.reduce((a, b) => a + b, 0) / Math.max(1, apps.length),
    meanSignMs: signed === 0 ? 0 : signNs / signed / 1e6,
    enrollSeconds,
    serverCpuMsPerReport:
      cpuBefore === undefined || cpuAfter === undefined || ok === 0 ? undefined : (cpuAfter - cpuBefore) / ok,
  };
}
