import type { RiskLevel } from '@riskgate/engine';
import type { ProfileIntel } from '../profiles/datasets.ts';
import { describeDevice, generateDevice } from '../profiles/generate-device.ts';
import type { ProfileName } from '../profiles/profiles.ts';
import { createRng } from '../profiles/rng.ts';
import { type AgentClient, createMemoryAgent } from '../sdk/agent-client.ts';
import type { RetryPolicy } from '../sdk/backoff.ts';
import { type FetchLike, NetworkError, ServerError } from '../sdk/http.ts';
import { assignProfiles, type Mix } from './mix.ts';
import { type LatencySummary, summarizeLatency } from './stats.ts';

export interface FleetOptions {
  readonly server: string;
  readonly token: string;
  readonly devices: number;
  /** Reports per second across the fleet. */
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly mix: Mix;
  readonly intel: ProfileIntel;
  readonly seed?: string;
  /** Parallel enrollments. Default 32. */
  readonly enrollConcurrency?: number;
  /** Reports in flight at most; when reached, due reports wait. Default 256. */
  readonly maxInFlight?: number;
  /** After an acknowledged report of an infected device, chance that the user fixes it. Default 0.3. */
  readonly fixProbability?: number;
  /** After an acknowledged report of a fixed device, chance that the threat comes back. Default 0.1. */
  readonly reinfectProbability?: number;
  readonly retry?: RetryPolicy;
  readonly fetch?: FetchLike;
  readonly clock?: () => Date;
  readonly onProgress?: (progress: FleetProgress) => void;
  readonly progressIntervalMs?: number;
}

export interface FleetProgress {
  readonly phase: 'enroll' | 'report';
  readonly enrolled: number;
  readonly enrollErrors: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly errors: number;
  readonly inFlight: number;
  readonly elapsedMs: number;
}

export interface FleetSummary {
  readonly devices: number;
  readonly profiles: Readonly<Record<string, number>>;
  readonly enrolled: number;
  readonly enrollErrors: number;
  readonly enrollSeconds: number;
  readonly enrollLatencyMs: LatencySummary;
  readonly reportsSent: number;
  readonly acknowledged: number;
  readonly duplicates: number;
  readonly errors: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** 429 replies the SDK waited out (`Retry-After`) and retried; not errors. */
  readonly rateLimited: number;
  readonly latencyMs: LatencySummary;
  readonly reportSeconds: number;
  readonly targetRate: number;
  readonly achievedRate: number;
  /** Risk levels in the acknowledged replies. */
  readonly riskLevels: Readonly<Record<RiskLevel, number>>;
  readonly threatsAppeared: number;
  readonly threatsFixed: number;
  /** Acknowledged replies by profile. */
  readonly acknowledgedByProfile: Readonly<Record<string, number>>;
  /** Replies whose risk differed from the profile's expectation, by profile (depends on tenant settings). */
  readonly expectationMismatches: Readonly<Record<string, number>>;
}

interface SimDevice {
  readonly index: number;
  readonly profile: ProfileName;
  readonly agent: AgentClient;
  infected: boolean;
  busy: boolean;
  enrolled: boolean;
}

const errorCode = (error: unknown): string =>
  error instanceof ServerError ? error.code : error instanceof NetworkError ? 'network' : 'client_error';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Enrolls `devices` simulated devices (bounded concurrency), then reports at `ratePerSecond` for
 * `durationMs`: each report is a full snapshot of the device's profile, infected or remediated, with
 * threats appearing and being fixed over time. Returns counts and latency percentiles.
 */
export async function runFleet(options: FleetOptions): Promise<FleetSummary> {
  const clock = options.clock ?? (() => new Date());
  const rng = createRng(options.seed ?? 'fleet');
  const retry = options.retry ?? { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 };
  let rateLimited = 0;
  const agentDeps = {
    retry,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    clock,
    // A 429 is waited out (Retry-After) and retried by the SDK: counted here, not as an error.
    onRateLimited: () => {
      rateLimited++;
    },
  };
  const profiles = assignProfiles(options.mix, options.devices, rng);
  const devices: SimDevice[] = profiles.map((profile, index) => ({
    index,
    profile,
    agent: createMemoryAgent(agentDeps),
    infected: !profile.startsWith('clean'),
    busy: false,
    enrolled: false,
  }));
  const seedOf = (device: SimDevice) => `${options.seed ?? 'fleet'}:${device.index}`;
  const counters = {
    enrolled: 0,
    enrollErrors: 0,
    sent: 0,
    acknowledged: 0,
    duplicates: 0,
    errors: 0,
    inFlight: 0,
  };
  const errorsByCode: Record<string, number> = {};
  const riskLevels: Record<RiskLevel, number> = { secured: 0, low: 0, medium: 0, high: 0 };
  const mismatches: Record<string, number> = {};
  const acknowledgedByProfile: Record<string, number> = {};
  const enrollLatency: number[] = [];
  const latency: number[] = [];
  let appeared = 0;
  let fixed = 0;
  let phase: FleetProgress['phase'] = 'enroll';
  const started = performance.now();
  const progress = () =>
    options.onProgress?.({
      phase,
      enrolled: counters.enrolled,
      enrollErrors: counters.enrollErrors,
      sent: counters.sent,
      acknowledged: counters.acknowledged,
      errors: counters.errors,
      inFlight: counters.inFlight,
      elapsedMs: performance.now() - started,
    });
  const ticker = setInterval(progress, options.progressIntervalMs ?? 1000);
  const fail = (error: unknown) => {
    const code = errorCode(error);
    errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
  };

  try {
    // Enrollment, bounded concurrency.
    let nextToEnroll = 0;
    const enrollWorker = async () => {
      while (nextToEnroll < devices.length) {
        const device = devices[nextToEnroll++] as SimDevice;
        const described = describeDevice(device.profile, {
          seed: seedOf(device),
          intel: options.intel,
          now: clock(),
        });
        const t0 = performance.now();
        try {
          await device.agent.enroll({
            server: options.server,
            token: options.token,
            device: {
              platform: described.platform,
              model: described.model,
              manufacturer: described.manufacturer,
              osVersion: described.osVersion,
              agentVersion: described.agentVersion,
              name: `sim-${device.profile}-${device.index}`,
            },
          });
          enrollLatency.push(performance.now() - t0);
          device.enrolled = true;
          counters.enrolled++;
        } catch (error) {
          counters.enrollErrors++;
          fail(error);
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(options.enrollConcurrency ?? 32, devices.length) }, enrollWorker),
    );
    const enrollSeconds = (performance.now() - started) / 1000;
    progress();

    // Reporting at a fixed rate.
    phase = 'report';
    const active = devices.filter((device) => device.enrolled);
    const maxInFlight = options.maxInFlight ?? 256;
    const fixP = options.fixProbability ?? 0.3;
    const reinfectP = options.reinfectProbability ?? 0.1;
    const reportStart = performance.now();
    const inFlight = new Set<Promise<void>>();
    let cursor = 0;
    let scheduled = 0;

    const reportOnce = async (device: SimDevice): Promise<void> => {
      device.busy = true;
      counters.sent++;
      counters.inFlight++;
      const built = generateDevice(device.profile, {
        seed: seedOf(device),
        intel: options.intel,
        now: clock(),
      });
      const snapshot = device.infected ? built.snapshot : built.remediate(built.snapshot);
      const expected: RiskLevel = device.infected ? built.expectedRisk : 'secured';
      const t0 = performance.now();
      try {
        const outcome = await device.agent.report({ snapshot });
        if (outcome.status !== 'acknowledged') {
          counters.errors++;
          fail(outcome.error);
          return;
        }
        latency.push(performance.now() - t0);
        counters.acknowledged++;
        acknowledgedByProfile[device.profile] = (acknowledgedByProfile[device.profile] ?? 0) + 1;
        if (outcome.reply.duplicate) counters.duplicates++;
        riskLevels[outcome.reply.riskLevel]++;
        if (outcome.reply.riskLevel !== expected)
          mismatches[device.profile] = (mismatches[device.profile] ?? 0) + 1;
        if (!device.profile.startsWith('clean')) {
          if (device.infected && rng.chance(fixP)) {
            device.infected = false;
            fixed++;
          } else if (!device.infected && rng.chance(reinfectP)) {
            device.infected = true;
            appeared++;
          }
        }
      } catch (error) {
        counters.errors++;
        fail(error);
      } finally {
        counters.inFlight--;
        device.busy = false;
      }
    };

    while (active.length > 0) {
      const elapsed = performance.now() - reportStart;
      if (elapsed >= options.durationMs) break;
      const due = Math.floor((elapsed / 1000) * options.ratePerSecond) + 1;
      while (scheduled < due && inFlight.size < maxInFlight) {
        let device: SimDevice | undefined;
        for (let tries = 0; tries < active.length; tries++) {
          const candidate = active[cursor++ % active.length] as SimDevice;
          if (!candidate.busy) {
            device = candidate;
            break;
          }
        }
        if (device === undefined) break;
        scheduled++;
        const task: Promise<void> = reportOnce(device).finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      const nextDueMs = ((scheduled + 1) / options.ratePerSecond) * 1000 - (performance.now() - reportStart);
      if (inFlight.size >= maxInFlight && inFlight.size > 0) await Promise.race(inFlight);
      else await sleep(Math.max(1, Math.min(50, nextDueMs)));
    }
    await Promise.all(inFlight);
    const reportSeconds = (performance.now() - reportStart) / 1000;
    progress();

    return {
      devices: devices.length,
      profiles: Object.fromEntries(
        [...new Set(profiles)].map((name) => [name, profiles.filter((p) => p === name).length]),
      ),
      enrolled: counters.enrolled,
      enrollErrors: counters.enrollErrors,
      enrollSeconds: Math.round(enrollSeconds * 100) / 100,
      enrollLatencyMs: summarizeLatency(enrollLatency),
      reportsSent: counters.sent,
      acknowledged: counters.acknowledged,
      duplicates: counters.duplicates,
      errors: counters.errors + counters.enrollErrors,
      errorsByCode,
      rateLimited,
      latencyMs: summarizeLatency(latency),
      reportSeconds: Math.round(reportSeconds * 100) / 100,
      targetRate: options.ratePerSecond,
      achievedRate: reportSeconds > 0 ? Math.round((counters.acknowledged / reportSeconds) * 10) / 10 : 0,
      riskLevels,
      threatsAppeared: appeared,
      threatsFixed: fixed,
      acknowledgedByProfile,
      expectationMismatches: mismatches,
    };
  } finally {
    clearInterval(ticker);
  }
}
