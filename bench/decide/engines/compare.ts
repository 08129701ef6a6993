/**
 * Riskgate's engine beside Cedar and Casbin on the same policies and requests: every side gets the
 * resource from Riskgate's resource index (none of the three engines matches hosts the same way, so
 * the match is shared) and the device from the same Map, then decides; Cedar's and Casbin's times
 * include building what they are given per request (Cedar's entity JSON, Casbin's subject object),
 * which a real integration pays.
 */
import {
  type AccessDevice,
  type AccessPolicy,
  compileAccessPolicies,
  type ResourceIndex,
} from '@riskgate/engine';
import { median, nowNs, percentile } from '../../lib/stats.ts';
import type { DecideRequest } from '../inputs.ts';
import { createCasbinDecider } from './casbin.ts';
import { createCedarDecider } from './cedar.ts';

/** One engine's decision: the resource id and the device (undefined: not enrolled). */
export type Decider = (resourceId: string, device: AccessDevice | undefined) => boolean;

/** The three deciders over one policy set. */
export async function createDeciders(
  policies: readonly AccessPolicy[],
  now: Date,
): Promise<{ riskgate: Decider; cedar: Decider; casbin: Decider }> {
  const compiled = compileAccessPolicies(policies);
  const cedar = createCedarDecider(policies);
  const casbin = await createCasbinDecider(policies);
  return {
    riskgate: (resourceId, device) => compiled.decide({ resourceId, device, now }).outcome === 'allow',
    cedar: cedar.decide,
    casbin: casbin.decide,
  };
}

/** Per-call nanoseconds of each engine, and decisions per second (median over blocks). */
export interface EngineTiming {
  readonly callsNs: readonly number[];
  readonly perSecond: number;
}

/**
 * Times the engines on `sample` requests, alternating engines block by block so that a busy
 * moment of a shared machine hits all of them; each call is timed on its own (the timer's cost,
 * ~50 ns, is the same on every side and small against the engines compared here).
 */
export async function timeEngines(params: {
  readonly index: ResourceIndex;
  readonly devices: ReadonlyMap<string, AccessDevice>;
  readonly requests: readonly DecideRequest[];
  readonly policies: readonly AccessPolicy[];
  readonly now: Date;
  readonly blocks: number;
  readonly progress: (message: string) => void;
}): Promise<Record<'riskgate' | 'cedar' | 'casbin', EngineTiming>> {
  const deciders = await createDeciders(params.policies, params.now);
  const names = ['riskgate', 'cedar', 'casbin'] as const;
  const calls = { riskgate: [] as number[], cedar: [] as number[], casbin: [] as number[] };
  const rates = { riskgate: [] as number[], cedar: [] as number[], casbin: [] as number[] };
  let allowed = 0; // read after the loop, so no engine's work can be optimised away
  const run = (decide: Decider, out: number[] | undefined): number => {
    const started = nowNs();
    for (const request of params.requests) {
      const start = nowNs();
      const resource = params.index.matchHttp({ host: request.host, path: request.path });
      if (resource !== undefined && decide(resource.id, params.devices.get(request.deviceId))) allowed++;
      out?.push(nowNs() - start);
    }
    return (params.requests.length * 1e9) / (nowNs() - started);
  };
  for (const name of names) run(deciders[name], undefined); // warm-up
  for (let block = 0; block < params.blocks; block++) {
    params.progress(`Riskgate, Cedar, Casbin: block ${block + 1}/${params.blocks}`);
    for (const name of names) rates[name].push(run(deciders[name], calls[name]));
  }
  if (allowed < 0) throw new Error('unreachable');
  const timing = (name: (typeof names)[number]): EngineTiming => ({
    callsNs: calls[name],
    perSecond: median(rates[name]),
  });
  return { riskgate: timing('riskgate'), cedar: timing('cedar'), casbin: timing('casbin') };
}

export const p50 = (samples: readonly number[]) => median(samples);
export const p99 = (samples: readonly number[]) => percentile(samples, 99);
