/**
 * decide: a forward-auth decision in the engine (resource match + conditional-access policies over a
 * cached device), beside a trivial decision (device lookup and one risk comparison). The HTTP
 * forward-auth rate against a bare Fastify route is measured once the server has `/v1/access/check`.
 */
import { createRng } from '@riskgate/agent';
import { compileAccessPolicies, compileResourceIndex } from '@riskgate/engine';
import { type DecideRequest, generateDecideInputs } from './decide/inputs.ts';
import { median, nowNs, percentile } from './lib/stats.ts';
import { type BenchContext, type Benchmark, type BenchResult, row } from './lib/types.ts';

const SIZES = { resources: 200, policies: 40, devices: 10_000, requests: 4096 };
const BATCH = 256;
const WARMUP_ROUNDS = 20;
const BLOCKS = 20;
const ROUNDS = 4;

/** Nanoseconds per call of `fn` for each batch of `BATCH` requests. */
function batchNs(
  requests: readonly DecideRequest[],
  fn: (r: DecideRequest) => number,
  out: number[],
): number {
  let sink = 0;
  for (let at = 0; at + BATCH <= requests.length; at += BATCH) {
    const start = nowNs();
    for (let i = at; i < at + BATCH; i++) sink += fn(requests[i] as DecideRequest);
    out.push((nowNs() - start) / BATCH);
  }
  return sink;
}

/** Per-call nanoseconds, timer included (the same timer cost on both sides). */
function callNs(requests: readonly DecideRequest[], fn: (r: DecideRequest) => number, out: number[]): number {
  let sink = 0;
  for (const request of requests) {
    const start = nowNs();
    sink += fn(request);
    out.push(nowNs() - start);
  }
  return sink;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const rng = createRng(`decide:${ctx.seed}`);
  const inputs = generateDecideInputs(rng, SIZES);
  const now = new Date('2026-11-25T12:00:00.000Z');
  const index = compileResourceIndex(inputs.resources);
  const compiled = compileAccessPolicies(inputs.policies);
  const { devices } = inputs;
  const riskgate = (r: DecideRequest): number => {
    const resource = index.matchHttp({ host: r.host, path: r.path });
    if (resource === undefined) return 0;
    return compiled.decide({ resourceId: resource.id, device: devices.get(r.deviceId), now }).outcome ===
      'allow'
      ? 1
      : 0;
  };
  const trivial = (r: DecideRequest): number => {
    const device = devices.get(r.deviceId);
    return device !== undefined && device.riskLevel !== 'high' ? 1 : 0;
  };
  let allowed = 0;
  for (const request of inputs.requests) allowed += riskgate(request);

  ctx.progress(`warm-up: ${WARMUP_ROUNDS * inputs.requests.length} decisions per side`);
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    batchNs(inputs.requests, riskgate, []);
    batchNs(inputs.requests, trivial, []);
  }
  const batches = { riskgate: [] as number[], trivial: [] as number[] };
  const calls = { riskgate: [] as number[], trivial: [] as number[] };
  for (let block = 0; block < BLOCKS; block++) {
    ctx.progress(`measuring block ${block + 1}/${BLOCKS}`);
    for (let i = 0; i < ROUNDS; i++) {
      batchNs(inputs.requests, riskgate, batches.riskgate);
      batchNs(inputs.requests, trivial, batches.trivial);
    }
    callNs(inputs.requests, riskgate, calls.riskgate);
    callNs(inputs.requests, trivial, calls.trivial);
  }
  const rate = (samples: readonly number[]) => 1e9 / median(samples);
  const p99 = percentile(calls.riskgate, 99) / 1000;
  return {
    rows: [
      row(
        'decisions per second, one thread (median batch)',
        'decisions/s',
        rate(batches.riskgate),
        rate(batches.trivial),
      ),
      row('time per decision (median batch)', 'ns', median(batches.riskgate), median(batches.trivial)),
      row('single decision p50 (timer included)', 'ns', median(calls.riskgate), median(calls.trivial)),
      row('single decision p99 (timer included)', 'µs', p99, percentile(calls.trivial, 99) / 1000, {
        text: '< 1,000 µs (HTTP target)',
        met: p99 < 1000,
      }),
    ],
    notes: [
      `Inputs: ${SIZES.resources} http-app resources (+1 catch-all), ${SIZES.policies} policies (on / report-only / off; by resource, group, platform, agent version), ${SIZES.devices.toLocaleString('en-US')} cached devices, ${SIZES.requests} requests (10% upper-case Host with port, 3% unknown devices); ${allowed} of ${SIZES.requests} allowed.`,
      'Riskgate: `compileResourceIndex().matchHttp({ host, path })` then `compileAccessPolicies().decide({ resourceId, device, now })` with the device from a Map (the decision cache). Baseline: the same Map lookup and one `riskLevel !== "high"` comparison.',
      `Timing: ${batches.riskgate.length} batches of ${BATCH} decisions and ${calls.riskgate.length} individually timed calls per side, in ${BLOCKS} alternating blocks after warm-up.`,
      'HTTP forward-auth (`/v1/access/check` against a bare Fastify route, target ≥ 0.8× its throughput and p99 < 1 ms) is not measured yet: the server has no such route at the time of this run.',
    ],
  };
}

export const benchmark: Benchmark = {
  name: 'decide',
  description:
    'Forward-auth decision in the engine (resource match + conditional-access policies over a cached device) beside a trivial risk check.',
  run,
};
