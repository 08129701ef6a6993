/**
 * `npx tsx bench/decide/profile-http.ts [seed] [out.cpuprofile] [check|bare]`: the server's
 * `/v1/access/check` (or, with `bare`, the benchmark's bare Fastify route in the same process)
 * under load from a child process, with a CPU profile of this process taken during the load only
 * (not the setup: enrollment, module loading), written to `out` (default
 * /tmp/decide-http.cpuprofile), so that it shows where a forward-auth request spends its time.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRng } from '@riskgate/agent';
import { loadFromChild } from '../lib/http-load.ts';
import { startBareRoute } from './bare-route.ts';
import { generateDecideInputs } from './inputs.ts';
import { startForwardAuthServer } from './server-http.ts';

const seed = Number(process.argv[2] ?? 20261125);
const out = process.argv[3] ?? '/tmp/decide-http.cpuprofile';
const inputs = generateDecideInputs(createRng(`decide:${seed}`), {
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
  progress: (message) => process.stderr.write(`${message}\n`),
});
const bare = process.argv[4] === 'bare' ? await startBareRoute() : undefined;
const url = bare?.url ?? server.url;
const load = (durationMs: number) =>
  loadFromChild({ url, connections: 8, durationMs, headerSets: server.headerSets });
await load(2000); // warm-up (JIT, caches), not profiled
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const before = process.cpuUsage();
const result = await load(8000);
const used = process.cpuUsage(before);
const { profile } = await session.post('Profiler.stop');
session.disconnect();
writeFileSync(out, JSON.stringify(profile));
await bare?.close();
await server.close();
process.stdout.write(
  `${JSON.stringify(result)}\nserver CPU ${((used.user + used.system) / result.requests).toFixed(1)} µs/request; profile: ${out}\n`,
);
