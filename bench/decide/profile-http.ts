/**
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/decide/profile-http.ts [seed]`: the
 * server's `/v1/access/check` under load from a child process, so that the profile of this process
 * shows where a forward-auth request spends its time.
 */
import { createRng } from '@riskgate/agent';
import { loadFromChild } from '../lib/http-load.ts';
import { generateDecideInputs } from './inputs.ts';
import { startForwardAuthServer } from './server-http.ts';

const seed = Number(process.argv[2] ?? 20261125);
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
const result = await loadFromChild({
  url: server.url,
  connections: 8,
  durationMs: 8000,
  headerSets: server.headerSets,
});
await server.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
