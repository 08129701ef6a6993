/**
 * The enforce measurement: after each report's acknowledgement, poll the check in a tight loop
 * until it reflects the report, and record the time from the ack to that answer.
 */
import type { Agent } from 'node:http';
import { percentile } from '../lib/stats.ts';
import { httpRequest, type ProbeDevice } from './probe-device.ts';

export interface FlipTimes {
  /** Milliseconds from the ack to the first check that reflected the report. */
  readonly ms: readonly number[];
  /** Checks sent per flip (1 = the first check already reflected it). */
  readonly checks: readonly number[];
  readonly timeouts: number;
}

export const summarize = (times: FlipTimes) => ({
  p50: percentile(times.ms, 50),
  p99: percentile(times.ms, 99),
  max: times.ms.reduce((a, b) => Math.max(a, b), 0),
  stale: times.checks.filter((n) => n > 1).length,
});

const TIMEOUT_MS = 10_000;

/** Polls until `check()` answers `want`; returns [ms since `from`, checks] or undefined on timeout. */
async function pollUntil(
  device: ProbeDevice,
  want: number,
  from: number,
): Promise<[number, number] | undefined> {
  for (let checks = 1; ; checks++) {
    const status = await device.check();
    const at = performance.now();
    if (status === want) return [at - from, checks];
    if (at - from > TIMEOUT_MS) return undefined;
  }
}

/**
 * `flips` reports alternating malicious (want 403) and clean (want 200); `kind: 'steady'` sends
 * clean reports only (no state change: the floor of one check round trip after an ack).
 */
export async function measureFlips(
  device: ProbeDevice,
  flips: number,
  kind: 'flip' | 'steady',
): Promise<{ block: FlipTimes; restore: FlipTimes }> {
  const out = {
    block: { ms: [] as number[], checks: [] as number[], timeouts: 0 },
    restore: { ms: [] as number[], checks: [] as number[], timeouts: 0 },
  };
  // Start from a clean, allowed state.
  await device.report(false);
  if ((await pollUntil(device, 200, performance.now())) === undefined)
    throw new Error('device never allowed');
  for (let i = 0; i < flips; i++) {
    const malicious = kind === 'flip' && i % 2 === 0;
    await device.report(malicious);
    const acked = performance.now();
    const result = await pollUntil(device, malicious ? 403 : 200, acked);
    const into = malicious || kind === 'steady' ? out.block : out.restore;
    if (result === undefined) into.timeouts++;
    else {
      into.ms.push(result[0]);
      into.checks.push(result[1]);
    }
  }
  return out;
}

/** Creates the protected resource and a `require-risk-at-most low` policy through the admin API. */
export async function configureAccess(
  agent: Agent,
  url: string,
  ownerToken: string,
  host: string,
): Promise<void> {
  const headers = { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' };
  const resource = await httpRequest(
    agent,
    `${url}/v1/admin/resources`,
    'POST',
    headers,
    JSON.stringify({ id: 'enforce-app', name: 'Enforce bench app', kind: 'http-app', hosts: [host] }),
  );
  if (resource.status >= 300) throw new Error(`creating the resource: ${resource.status} ${resource.body}`);
  const policy = await httpRequest(
    agent,
    `${url}/v1/admin/access-policies`,
    'POST',
    headers,
    JSON.stringify({
      id: 'risk-low',
      name: 'Risk at most low',
      state: 'on',
      assignment: {},
      grant: { kind: 'require-risk-at-most', level: 'low' },
    }),
  );
  if (policy.status >= 300) throw new Error(`creating the policy: ${policy.status} ${policy.body}`);
}
