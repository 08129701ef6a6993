/**
 * decide: a forward-auth decision in the engine (resource match + conditional-access policies over a
 * cached device), beside a trivial decision (device lookup and one risk comparison); and the
 * server's `/v1/access/check` over HTTP beside a bare Fastify route reading the same headers.
 */
import { createRng } from '@riskgate/agent';
import { compileAccessPolicies, compileResourceIndex } from '@riskgate/engine';
import { startBareRoute } from './decide/bare-route.ts';
import { p50, p99 as p99Of, timeEngines } from './decide/engines/compare.ts';
import { type DecideInputs, type DecideRequest, generateDecideInputs } from './decide/inputs.ts';
import { startForwardAuthServer } from './decide/server-http.ts';
import { type LoadResult, loadFromChild } from './lib/http-load.ts';
import { median, nowNs, percentile } from './lib/stats.ts';
import { type BenchContext, type Benchmark, type BenchResult, row } from './lib/types.ts';

const SIZES = { resources: 200, policies: 40, devices: 10_000, requests: 4096 };
const BATCH = 256;
const WARMUP_ROUNDS = 20;
const BLOCKS = 20;
const ROUNDS = 4;
const HTTP_CONNECTIONS = 8;
const HTTP_SECONDS = 4;
const HTTP_ALTERNATIONS = 2;
const HTTP_DEVICES = 40;
/** The fixed-rate (open loop) rows: this fraction of the bare route's saturated throughput, both sides. */
const FIXED_RATE_FRACTION = 0.25;
const FIXED_RATE_SECONDS = 4;
/** Requests (the first of the 4,096) and alternating blocks for the Cedar and Casbin rows: they decide in ~0.1–1 ms. */
const ENGINE_SAMPLE = 1024;
const ENGINE_BLOCKS = 5;

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

interface HttpResults {
  readonly bare: LoadResult;
  readonly decide: LoadResult;
  /** At a fixed offered rate (open loop), the same rate for both. */
  readonly fixedRate: { readonly rate: number; readonly bare: LoadResult; readonly decide: LoadResult };
}

/**
 * The server's `/v1/access/check` (SQLite runtime, enrolled devices that reported) and the bare
 * route, alternating under the same load from a child process; each route's runs merged.
 */
async function measureHttp(inputs: DecideInputs, progress: (message: string) => void): Promise<HttpResults> {
  const server = await startForwardAuthServer({
    resources: inputs.resources,
    policies: inputs.policies,
    devices: HTTP_DEVICES,
    targets: inputs.requests,
    progress,
  });
  const bare = await startBareRoute();
  /** Both routes under the same load, alternating, each route's runs merged. */
  async function alternate(label: string, load: { durationMs: number; ratePerSecond?: number }) {
    const runs: { bare: LoadResult[]; decide: LoadResult[] } = { bare: [], decide: [] };
    for (let i = 0; i < HTTP_ALTERNATIONS; i++)
      for (const route of ['bare', 'decide'] as const) {
        progress(`HTTP ${route}${label}, run ${i + 1}/${HTTP_ALTERNATIONS}`);
        runs[route].push(
          await loadFromChild({
            url: route === 'bare' ? bare.url : server.url,
            connections: HTTP_CONNECTIONS,
            headerSets: server.headerSets,
            ...load,
          }),
        );
      }
    return { bare: mergeLoad(runs.bare), decide: mergeLoad(runs.decide) };
  }
  try {
    const saturated = await alternate('', { durationMs: HTTP_SECONDS * 1000 });
    // Well under the bare route's capacity, measured just now on this machine.
    const rate = Math.max(100, Math.round((FIXED_RATE_FRACTION * saturated.bare.perSecond) / 100) * 100);
    const fixedRate = await alternate(` at a fixed ${rate} requests/s`, {
      durationMs: FIXED_RATE_SECONDS * 1000,
      ratePerSecond: rate,
    });
    return { ...saturated, fixedRate: { rate, ...fixedRate } };
  } finally {
    await bare.close();
    await server.close();
  }
}

/** Sums counts and rates over runs of equal duration; latencies: the mean of the runs' percentiles. */
function mergeLoad(results: readonly LoadResult[]): LoadResult {
  const mean = (pick: (r: LoadResult) => number) => results.reduce((n, r) => n + pick(r), 0) / results.length;
  const statuses: Record<string, number> = {};
  for (const r of results)
    for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  return {
    requests: results.reduce((n, r) => n + r.requests, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    statuses,
    perSecond: mean((r) => r.perSecond),
    p50Ms: mean((r) => r.p50Ms),
    p99Ms: mean((r) => r.p99Ms),
    ...(results[0]?.sendLagP99Ms === undefined ? {} : { sendLagP99Ms: mean((r) => r.sendLagP99Ms ?? 0) }),
  };
}

const formatMs = (ms: number | undefined) => (ms === undefined ? '—' : `${ms.toFixed(2)} ms`);

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
  ctx.progress(
    `Riskgate vs Cedar and Casbin: ${ENGINE_BLOCKS} blocks of ${ENGINE_SAMPLE} requests per engine`,
  );
  const engines = await timeEngines({
    index,
    devices,
    requests: inputs.requests.slice(0, ENGINE_SAMPLE),
    policies: inputs.policies,
    now,
    blocks: ENGINE_BLOCKS,
    progress: ctx.progress,
  });
  const engineRows = (['cedar', 'casbin'] as const).flatMap((name) => {
    const label = name === 'cedar' ? 'Cedar' : 'Casbin';
    const other = engines[name];
    return [
      row(
        `vs ${label} (baseline): decisions per second, one thread`,
        'decisions/s',
        engines.riskgate.perSecond,
        other.perSecond,
      ),
      row(
        `vs ${label} (baseline): p50 per decision`,
        'µs',
        p50(engines.riskgate.callsNs) / 1000,
        p50(other.callsNs) / 1000,
      ),
      row(
        `vs ${label} (baseline): p99 per decision`,
        'µs',
        p99Of(engines.riskgate.callsNs) / 1000,
        p99Of(other.callsNs) / 1000,
      ),
    ];
  });
  ctx.progress(
    `HTTP: ${HTTP_ALTERNATIONS}× ${HTTP_SECONDS} s per route, ${HTTP_CONNECTIONS} keep-alive connections from a child process`,
  );
  const http = await measureHttp(inputs, ctx.progress);
  const rate = (samples: readonly number[]) => 1e9 / median(samples);
  const p99 = percentile(calls.riskgate, 99) / 1000;
  const fixed = http.fixedRate;
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
      row(
        'HTTP: /v1/access/check vs bare Fastify route, throughput',
        'requests/s',
        http.decide.perSecond,
        http.bare.perSecond,
        {
          text: '≥ 0.8× baseline',
          met: http.decide.perSecond >= 0.8 * http.bare.perSecond,
        },
      ),
      ...engineRows,
      row('HTTP: p50 latency', 'ms', http.decide.p50Ms, http.bare.p50Ms),
      // Saturated: the target is not judged on this row (see the fixed-rate p99 row and the notes).
      {
        ...row('HTTP: p99 latency', 'ms', http.decide.p99Ms, http.bare.p99Ms),
        target: 'saturated (queueing): < 1 ms is judged at the fixed rate below',
      },
      row(
        `HTTP at a fixed ${fixed.rate.toLocaleString('en-US')} requests/s (open loop): completed`,
        'requests/s',
        fixed.decide.perSecond,
        fixed.bare.perSecond,
      ),
      row('HTTP at a fixed rate (open loop): p50 latency', 'ms', fixed.decide.p50Ms, fixed.bare.p50Ms),
      row('HTTP at a fixed rate (open loop): p99 latency', 'ms', fixed.decide.p99Ms, fixed.bare.p99Ms, {
        text: '< 1 ms (the target, judged here)',
        met: fixed.decide.p99Ms < 1,
      }),
    ],
    notes: [
      `Inputs: ${SIZES.resources} http-app resources (+1 catch-all), ${SIZES.policies} policies (on / report-only / off; by resource, group, platform, agent version), ${SIZES.devices.toLocaleString('en-US')} cached devices, ${SIZES.requests} requests (10% upper-case Host with port, 3% unknown devices); ${allowed} of ${SIZES.requests} allowed.`,
      'Riskgate: `compileResourceIndex().matchHttp({ host, path })` then `compileAccessPolicies().decide({ resourceId, device, now })` with the device from a Map (the decision cache). Baseline: the same Map lookup and one `riskLevel !== "high"` comparison.',
      `Cedar and Casbin rows: the same ${SIZES.policies} policies as a Cedar policy set (\`@cedar-policy/cedar-wasm\`, preparsed once, \`statefulIsAuthorized\`; one permit for known non-retired devices, one forbid per \`on\` policy) and a Casbin ABAC model (\`casbin\`, \`enforceSync\`, deny-override, one \`eval\` rule per \`on\` policy); \`bench/decide/engines/engines.test.ts\` proves all three give the same allow/deny for every generated request. Report-only and off policies never change an outcome, so they are not translated. The baseline column is the other engine; each side does the same resource match (Riskgate's index) and Map lookup, and Cedar's and Casbin's times include building their input per request (entity JSON, subject object). ${ENGINE_BLOCKS} alternating blocks over the first ${ENGINE_SAMPLE} requests, each call timed.`,
      `Timing: ${batches.riskgate.length} batches of ${BATCH} decisions and ${calls.riskgate.length} individually timed calls per side, in ${BLOCKS} alternating blocks after warm-up.`,
      `HTTP rows: the server's \`GET /v1/access/check\` (createRuntime over SQLite via the access test harness: the resources and policies above through the admin API, ${HTTP_DEVICES} devices enrolled through the device API, every 10th reported with stalkerware; Caddy-style headers: proxy secret, forwarded host/URI/method, client-certificate SHA-256) against a bare Fastify route reading the same headers; load from a child process, ${HTTP_CONNECTIONS} keep-alive connections, ${HTTP_ALTERNATIONS}× ${HTTP_SECONDS} s per route, alternating, cycling through the ${SIZES.requests} requests (bare: ${http.bare.requests} requests, ${http.bare.errors} errors; check: ${http.decide.requests} requests, ${http.decide.errors} errors, statuses ${JSON.stringify(http.decide.statuses)}). The load generator shares the cores with the server, so latency includes its queueing; nginx \`auth_request\` vs nginx direct is the \`nginx\` benchmark.`,
      `Saturated rows vs fixed-rate rows: the saturated rows (closed loop, ${HTTP_CONNECTIONS} connections each sending its next request as soon as the last is answered) keep both cores busy, so their latencies are mostly time spent waiting in line (even the bare route's p99 is well above 1 ms); they measure throughput. The < 1 ms p99 target is judged on the fixed-rate rows: an open loop offering ${fixed.rate.toLocaleString('en-US')} requests/s to each side (${FIXED_RATE_FRACTION * 100}% of the bare route's saturated throughput in this run, rounded), ${HTTP_ALTERNATIONS}× ${FIXED_RATE_SECONDS} s per route, alternating, on up to ${HTTP_CONNECTIONS} keep-alive connections (a lean client on plain sockets, timed by a thread that sleeps to each due time; a request finding all connections busy waits, and that counts), each latency measured from the request's scheduled send time, so a slow answer cannot delay the next measurement (no coordinated omission); the first 250 ms of each run (sockets opening) are not recorded. The generator's own lateness in sending (p99: bare ${formatMs(fixed.bare.sendLagP99Ms)}, check ${formatMs(fixed.decide.sendLagP99Ms)}; the same for both sides, it comes from the OS waking the generator late on a shared machine) is included in those latencies: a p99 near it is the generator's floor, not the server's (bare: ${fixed.bare.requests} requests, ${fixed.bare.errors} errors; check: ${fixed.decide.requests} requests, ${fixed.decide.errors} errors).`,
    ],
  };
}

export const benchmark: Benchmark = {
  name: 'decide',
  description:
    'Forward-auth decision in the engine (resource match + conditional-access policies over a cached device) beside a trivial risk check; /v1/access/check over HTTP beside a bare Fastify route.',
  run,
};
