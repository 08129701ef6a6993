/**
 * `npx tsx bench/decide/cpu-per-request.ts [rounds] [seconds] [healthz]`: server-side CPU time per
 * request of `/v1/access/check` and of the bare Fastify route (and, with `healthz`, of the same app's
 * `/healthz`: the app's per-request overhead without the check), all served by this process, under the same load
 * from a child process (alternating rounds). CPU time of this process (`process.cpuUsage`, user +
 * system) over a run divided by the requests answered: much less sensitive to a loaded machine than
 * throughput, since the load generator's own CPU is not counted.
 */
import { createRng } from '@riskgate/agent';
import { type LoadResult, loadFromChild } from '../lib/http-load.ts';
import { startBareRoute } from './bare-route.ts';
import { generateDecideInputs } from './inputs.ts';
import { startForwardAuthServer } from './server-http.ts';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 3);
const inputs = generateDecideInputs(createRng('decide:20261125'), {
  resources: 200,
  policies: 40,
  devices: 10_000,
  requests: 4096,
});
const server = await startForwardAuthServer({
  resources: inputs.resources,
  policies: inputs.policies,
  devices: 40,
  targets: inputs.requests,
  progress: () => {},
});
const bare = await startBareRoute();

async function measure(url: string): Promise<{ load: LoadResult; cpuUs: number; userUs: number }> {
  const before = process.cpuUsage();
  const load = await loadFromChild({
    url,
    connections: 8,
    durationMs: seconds * 1000,
    headerSets: server.headerSets,
  });
  const used = process.cpuUsage(before);
  return { load, cpuUs: used.user + used.system, userUs: used.user };
}

// Warm-up of both routes (JIT, caches).
await measure(server.url);
await measure(bare.url);
const healthz = server.url.replace('/v1/access/check', '/healthz');
const routes: [keyof typeof totals, string][] = [
  ['bare', bare.url],
  ['check', server.url],
];
if (process.argv[4] === 'healthz') routes.push(['healthz', healthz]);
const totals = {
  check: { cpu: 0, n: 0, rps: 0 },
  bare: { cpu: 0, n: 0, rps: 0 },
  healthz: { cpu: 0, n: 0, rps: 0 },
};
for (let i = 0; i < rounds; i++)
  for (const [name, url] of routes) {
    const { load, cpuUs, userUs } = await measure(url);
    totals[name].cpu += cpuUs;
    totals[name].n += load.requests;
    totals[name].rps += load.perSecond / rounds;
    process.stdout.write(
      `${name.padEnd(7)} ${load.requests} req, ${load.perSecond.toFixed(0)} req/s, server CPU ${(cpuUs / load.requests).toFixed(1)} µs/req (user ${(userUs / load.requests).toFixed(1)}), statuses ${JSON.stringify(load.statuses)}\n`,
    );
  }
if (totals.healthz.n > 0)
  process.stdout.write(`healthz: ${(totals.healthz.cpu / totals.healthz.n).toFixed(1)} µs/request\n`);
const perCheck = totals.check.cpu / totals.check.n;
const perBare = totals.bare.cpu / totals.bare.n;
process.stdout.write(
  `server CPU per request: check ${perCheck.toFixed(1)} µs, bare ${perBare.toFixed(1)} µs, ratio ${(perBare / perCheck).toFixed(3)} (bare/check); throughput ratio ${(totals.check.rps / totals.bare.rps).toFixed(3)}\n`,
);
await bare.close();
await server.close();
