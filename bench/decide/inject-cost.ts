/**
 * `npx tsx bench/decide/inject-cost.ts [requests] [rounds]`: CPU time per request, without sockets,
 * of `/v1/access/check` (the decide benchmark's header sets), of the same app's `/healthz`, and of
 * the bare Fastify route, each through Fastify's `inject` (the same light-my-request overhead on every
 * side). Sockets and the load generator are left out, so the result hardly depends on how loaded the
 * machine is: it is the part of a forward-auth request that Riskgate's code and hooks decide.
 */

import { createRng } from '@riskgate/agent';
import Fastify from 'fastify';
import { generateDecideInputs } from './inputs.ts';
import { startForwardAuthServer } from './server-http.ts';

const perRound = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
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
const app = server.app;
const header = (value: string | string[] | undefined): string =>
  Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
const bare = Fastify({ logger: false });
bare.get('/bare', async (req, reply) => {
  const seen =
    header(req.headers['x-riskgate-proxy-secret']) !== '' &&
    header(req.headers['x-forwarded-host']) !== '' &&
    header(req.headers['x-forwarded-uri']) !== '' &&
    header(req.headers['x-client-cert-sha256']) !== '';
  return reply.code(seen ? 200 : 400).send();
});
await bare.ready();

type Target = { name: string; run: (i: number) => Promise<{ statusCode: number }> };
const sets = server.headerSets;
const targets: Target[] = [
  { name: 'bare', run: (i) => bare.inject({ method: 'GET', url: '/bare', headers: sets[i % sets.length] }) },
  {
    name: 'healthz',
    run: (i) => app.inject({ method: 'GET', url: '/healthz', headers: sets[i % sets.length] }),
  },
  {
    name: 'check',
    run: (i) => app.inject({ method: 'GET', url: '/v1/access/check', headers: sets[i % sets.length] }),
  },
];

async function measure(target: Target, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await target.run(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

for (const target of targets) await measure(target, perRound); // warm-up
const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
for (let r = 0; r < rounds; r++)
  for (const target of targets) samples.get(target.name)?.push(await measure(target, perRound));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const [name, xs] of samples)
  process.stdout.write(
    `${name.padEnd(8)} median ${median(xs).toFixed(2)} µs CPU/request (rounds: ${xs.map((x) => x.toFixed(1)).join(', ')})\n`,
  );
await bare.close();
await server.close();
