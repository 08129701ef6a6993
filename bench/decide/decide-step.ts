/**
 * `npx tsx bench/decide/decide-step.ts [rounds]`: the forward-auth route's own work without HTTP,
 * in a loop: proxy trust, reading the original request from the headers, `decider.decide` (device
 * lookup, resource match, policies, access log, remediation link) and the outcome headers, over the
 * decide benchmark's header sets on the real runtime (SQLite). Prints the median time per check over
 * batches; a tight loop on one thread, so far less sensitive to a loaded machine than HTTP rows.
 */
import { createRng } from '@riskgate/agent';
import { toHttpOutcome } from '../../packages/server/src/access/access-decider.ts';
import { readForwardAuthRequest } from '../../packages/server/src/access/forward-auth-request.ts';
import { generateDecideInputs } from './inputs.ts';
import { startForwardAuthServer } from './server-http.ts';

const rounds = Number(process.argv[2] ?? 40);
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
const access = server.access;
const sets = server.headerSets;
let denied = 0;
async function once(headers: Readonly<Record<string, string>>): Promise<void> {
  const binding = await access.trust.bind(headers, '127.0.0.1');
  if (binding === undefined) throw new Error('untrusted');
  const parsed = readForwardAuthRequest(
    headers,
    { method: 'GET', url: '/v1/access/check' },
    binding.integration,
    access.identityHeaders,
  );
  const result = await access.decider.decide(
    { fingerprint: parsed.clientCertFingerprint, deviceToken: parsed.deviceToken },
    { tenantId: binding.tenantId, host: parsed.host, path: parsed.path, method: parsed.method },
    'forward-auth',
  );
  if (toHttpOutcome(result).status !== 200) denied++;
}
const batches: number[] = [];
for (let r = 0; r < rounds; r++) {
  const start = process.hrtime.bigint();
  for (const headers of sets) await once(headers);
  batches.push(Number(process.hrtime.bigint() - start) / sets.length);
  // Let the access log's timer write what was queued, as under real load.
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const sorted = [...batches].sort((a, b) => a - b);
const warm = sorted.slice(0, Math.max(1, Math.floor(sorted.length / 2)));
process.stdout.write(
  `${rounds} batches of ${sets.length}: median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(0)} ns per check, best-half mean ${(warm.reduce((a, b) => a + b, 0) / warm.length).toFixed(0)} ns (${denied} denied)\n`,
);
await server.close();
