/** Ingest load generator: enrolls N devices, then sends signed full reports with C connections. */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import {
  generateDevice,
  generateDeviceKey,
  loadProfileIntel,
  PROFILE_NAMES,
  SIGNATURE_HEADER,
  signRequest,
} from '@riskgate/agent';

const [url, token, devicesArg = '50', connArg = '64', durArg = '20'] = process.argv.slice(2);
const base = new URL(url as string);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connArg) });

function post(path: string, body: string, sig: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [SIGNATURE_HEADER]: sig,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const intel = loadProfileIntel();
const now = new Date();
const devices: { id: string; key: ReturnType<typeof generateDeviceKey>; snap: string }[] = [];
let apps = 0;
for (let i = 0; i < Number(devicesArg); i++) {
  const profile = PROFILE_NAMES[i % PROFILE_NAMES.length] as (typeof PROFILE_NAMES)[number];
  const built = generateDevice(profile, { seed: `ingest:${i}`, intel, now });
  apps += built.snapshot.apps.length;
  const key = generateDeviceKey();
  const d = built.snapshot.device;
  const body = JSON.stringify({
    token,
    publicKey: key.publicJwk,
    device: {
      platform: d.platform,
      model: d.model,
      manufacturer: d.manufacturer,
      osVersion: d.osVersion,
      agentVersion: d.agentVersion,
      name: `ing-${i}`,
    },
  });
  const sig = signRequest({
    method: 'POST',
    path: '/v1/device/enroll',
    body,
    privateKey: key.privateKey,
    identity: { jwk: key.publicJwk },
    ts: Math.floor(Date.now() / 1000),
  });
  const r = await post('/v1/device/enroll', body, sig);
  if (r.status !== 200 && r.status !== 201) throw new Error(`enroll ${r.status} ${r.text}`);
  devices.push({
    id: (JSON.parse(r.text) as { deviceId: string }).deviceId,
    key,
    snap: JSON.stringify(built.snapshot),
  });
}
process.stderr.write(
  `enrolled ${devices.length}, avg apps ${(apps / devices.length).toFixed(0)}, body ~${devices[0]?.snap.length} B\n`,
);
const lat: number[] = [];
const slow: string[] = [];
const statuses: Record<string, number> = {};
let next = 0;
let sample = '';
const durMs = Number(durArg) * 1000;
const start = performance.now();
const end = start + durMs;
const worker = async () => {
  while (performance.now() < end) {
    const dev = devices[next++ % devices.length] as (typeof devices)[number];
    const body = `{"reportId":"${randomUUID()}","kind":"full","snapshot":${dev.snap}}`;
    const sig = signRequest({
      method: 'POST',
      path: '/v1/device/reports',
      body,
      privateKey: dev.key.privateKey,
      identity: { kid: dev.id },
      ts: Math.floor(Date.now() / 1000),
    });
    const t0 = performance.now();
    try {
      const r = await post('/v1/device/reports', body, sig);
      const ms = performance.now() - t0;
      lat.push(ms);
      if (ms > 2000) slow.push(`${((t0 - start) / 1000).toFixed(1)}s+${(ms / 1000).toFixed(1)}s`);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status !== 200 && sample === '') sample = r.text.slice(0, 300);
    } catch {
      statuses.err = (statuses.err ?? 0) + 1;
    }
  }
};
await Promise.all(Array.from({ length: Number(connArg) }, worker));
const secs = (performance.now() - start) / 1000;
lat.sort((a, b) => a - b);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]?.toFixed(1);
const { loadavg } = await import('node:os');
console.log(
  JSON.stringify({
    reports: lat.length,
    perSecond: +(lat.length / secs).toFixed(1),
    p50Ms: pct(50),
    p90Ms: pct(90),
    p99Ms: pct(99),
    maxMs: pct(100),
    statuses,
    load: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    sample,
    slow: slow.slice(0, 20).join(' '),
  }),
);
agent.destroy();
