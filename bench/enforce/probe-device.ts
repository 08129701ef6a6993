/**
 * One enrolled device driven by the enforce benchmark: signed full reports (malicious or clean
 * snapshot of an agent profile) to one node, and forward-auth checks with its certificate's
 * SHA-256 to another (or the same) node, on kept-alive sockets.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { Agent, request } from 'node:http';
import {
  createAgentClient,
  createMemoryEnrollmentStore,
  describeDevice,
  generateDevice,
  generateDeviceKey,
  type ProfileIntel,
  SIGNATURE_HEADER,
  signRequest,
} from '@riskgate/agent';
import { createMemoryReportQueue } from '../../packages/agent/src/sdk/memory-queue.ts';
import { BENCH_PROXY_SECRET } from '../ingest/server-process.ts';

/** Host of the benchmark's protected resource. */
export const ENFORCE_HOST = 'app.enforce.bench.example';

export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request on a kept-alive agent. */
export function httpRequest(
  agent: Agent,
  url: string,
  method: 'GET' | 'POST',
  headers: Readonly<Record<string, string>>,
  body?: string,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method,
        headers:
          body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface ProbeDevice {
  /** The device certificate (PEM) issued at enrollment, its private key (PKCS#8 PEM) and the device CA. */
  readonly certificate: string;
  readonly keyPem: string;
  readonly caCertificate: string;
  /** Sends a full report (malicious: the profile's threat; clean: remediated); resolves at the ack. */
  report(malicious: boolean): Promise<void>;
  /** One forward-auth check on `checkUrl`; resolves with the status (200 allow, 403 deny). */
  check(): Promise<number>;
  close(): void;
}

/** Enrolls a `stalkerware`-profile device on `reportUrl` and prepares its two snapshots. */
export async function enrollProbeDevice(options: {
  readonly reportUrl: string;
  readonly checkUrl: string;
  readonly enrollmentToken: string;
  readonly intel: ProfileIntel;
  readonly seed: string;
}): Promise<ProbeDevice> {
  const now = new Date();
  const key = generateDeviceKey();
  const enrollment = createMemoryEnrollmentStore();
  const client = createAgentClient({ key, queue: createMemoryReportQueue(), enrollment });
  const d = describeDevice('stalkerware', { seed: options.seed, intel: options.intel, now });
  const reply = await client.enroll({
    server: options.reportUrl,
    token: options.enrollmentToken,
    device: {
      platform: d.platform,
      model: d.model,
      manufacturer: d.manufacturer,
      osVersion: d.osVersion,
      agentVersion: d.agentVersion,
      name: 'enforce-probe',
    },
  });
  const offset = (await enrollment.load())?.clockOffsetMs ?? 0;
  const fingerprint = new X509Certificate(reply.certificate).fingerprint256.replaceAll(':', '').toLowerCase();
  const built = generateDevice('stalkerware', { seed: options.seed, intel: options.intel, now });
  const tails = {
    malicious: `","kind":"full","snapshot":${JSON.stringify(built.snapshot)}}`,
    clean: `","kind":"full","snapshot":${JSON.stringify(built.remediate(built.snapshot))}}`,
  };
  const reportAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const checkAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const checkHeaders = {
    'x-riskgate-proxy-secret': BENCH_PROXY_SECRET,
    'x-forwarded-host': ENFORCE_HOST,
    'x-forwarded-uri': '/inbox',
    'x-forwarded-method': 'GET',
    'x-client-cert-sha256': fingerprint,
    accept: 'application/json',
  };
  const checkUrl = `${options.checkUrl}/v1/access/check`;
  return {
    certificate: reply.certificate,
    keyPem: String(key.privateKey.export({ format: 'pem', type: 'pkcs8' })),
    caCertificate: reply.caCertificate,
    async report(malicious) {
      const path = '/v1/device/reports';
      const body = `{"reportId":"${randomUUID()}${malicious ? tails.malicious : tails.clean}`;
      const signature = signRequest({
        method: 'POST',
        path,
        body,
        privateKey: key.privateKey,
        identity: { kid: reply.deviceId },
        ts: Math.floor((Date.now() + offset) / 1000),
      });
      const answer = await httpRequest(
        reportAgent,
        `${options.reportUrl}${path}`,
        'POST',
        { 'content-type': 'application/json', accept: 'application/json', [SIGNATURE_HEADER]: signature },
        body,
      );
      if (answer.status !== 200) throw new Error(`report answered ${answer.status}: ${answer.body}`);
    },
    async check() {
      return (await httpRequest(checkAgent, checkUrl, 'GET', checkHeaders)).status;
    },
    close() {
      reportAgent.destroy();
      checkAgent.destroy();
    },
  };
}
