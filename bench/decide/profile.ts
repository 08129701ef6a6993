/**
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/decide/profile.ts [seed]`: the decide
 * benchmark's loop alone, so that a CPU profile shows where a decision spends its time.
 */
import { createRng } from '@riskgate/agent';
import { compileAccessPolicies, compileResourceIndex } from '@riskgate/engine';
import { generateDecideInputs } from './inputs.ts';

const seed = Number(process.argv[2] ?? 20261125);
const inputs = generateDecideInputs(createRng(`decide:${seed}`), {
  resources: 200,
  policies: 40,
  devices: 10_000,
  requests: 4096,
});
const index = compileResourceIndex(inputs.resources);
const compiled = compileAccessPolicies(inputs.policies);
const now = new Date('2026-11-25T12:00:00.000Z');
let allowed = 0;
const rounds = 300;
const start = performance.now();
for (let i = 0; i < rounds; i++)
  for (const r of inputs.requests) {
    const resource = index.matchHttp({ host: r.host, path: r.path });
    if (resource === undefined) continue;
    const decision = compiled.decide({
      resourceId: resource.id,
      device: inputs.devices.get(r.deviceId),
      now,
    });
    if (decision.outcome === 'allow') allowed++;
  }
const ns = ((performance.now() - start) * 1e6) / (rounds * inputs.requests.length);
process.stdout.write(
  `${rounds * inputs.requests.length} decisions, mean ${ns.toFixed(0)} ns (${allowed} allowed)\n`,
);
