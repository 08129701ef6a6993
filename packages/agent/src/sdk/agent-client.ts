import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Snapshot, SnapshotEvent } from '@riskgate/engine';
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import {
  createFileEnrollmentStore,
  createMemoryEnrollmentStore,
  type Enrollment,
  type EnrollmentStore,
} from './enrollment-store.ts';
import { type FetchLike, NetworkError, ServerError, sendJson } from './http.ts';
import { type DeviceKey, generateDeviceKey, loadOrCreateDeviceKey, saveDeviceKey } from './keys.ts';
import { createMemoryReportQueue } from './memory-queue.ts';
import { createReportQueue, type PoisonedReport, type QueuedReport, type ReportQueue } from './queue.ts';
import { PROOF_HEADER, SIGNATURE_HEADER, signRequest } from './sign.ts';
import {
  asDeviceStatus,
  asReportReply,
  type DeviceStatus,
  type EnrollDevice,
  type EnrollReply,
  type ReportBody,
  type ReportReply,
} from './wire.ts';

/** Explicit dependencies of an agent client; `openAgent` / `createMemoryAgent` fill them in. */
export interface AgentClientDeps {
  readonly key: DeviceKey;
  readonly queue: ReportQueue;
  readonly enrollment: EnrollmentStore;
  readonly fetch?: FetchLike;
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  /** Persists a new device key after a re-enrollment that rotated it (`openAgent`: the key file). */
  readonly saveKey?: (key: DeviceKey) => Promise<void>;
  /**
   * Delivery rounds (each retried with backoff) a report may end in a server error (5xx) before it
   * is set aside as poison. Default 5.
   */
  readonly maxServerFailures?: number;
  /**
   * Rate limiting (429): each request (enrollment, re-enrollment, report) waits out the reply's
   * `Retry-After` (capped at `maxWaitMs`, plus up to `jitterMs` so a fleet does not come back in
   * lockstep) and tries again, at most `retries` times. Default 5 retries, 120 s, 1 s.
   */
  readonly rateLimit?: { readonly retries?: number; readonly maxWaitMs?: number; readonly jitterMs?: number };
  /** Called before each wait on a 429 (the simulator counts them apart from errors). */
  readonly onRateLimited?: (info: { readonly path: string; readonly waitMs: number }) => void;
}

/** What became of one report. */
export type ReportOutcome =
  | { readonly status: 'acknowledged'; readonly reply: ReportReply }
  /** Not delivered yet (server unreachable or failing): kept in the queue for the next flush. */
  | { readonly status: 'queued'; readonly reportId: string; readonly error: Error }
  /** Set aside as poison (refused for good, or a server error too many times): kept in `poison/`. */
  | { readonly status: 'rejected'; readonly reportId: string; readonly error: ServerError };

/** Result of draining the queue. */
export interface FlushResult {
  readonly delivered: readonly ReportReply[];
  readonly rejected: readonly { readonly reportId: string; readonly error: ServerError }[];
  /** Reports still queued. */
  readonly pending: number;
  /** Why draining stopped early, when it did. */
  readonly error?: Error;
}

/** A device agent: enroll, report (through the offline queue), status. */
export interface AgentClient {
  enroll(input: { server: string; token: string; device: EnrollDevice }): Promise<EnrollReply>;
  /**
   * Re-enrolls this (enrolled) device: a fresh certificate and, by default, a new key. The request
   * is signed by the new key and proved by the current one (docs/agent-protocol.md §3), so an
   * enrollment token alone never suffices; the new key is saved only once the server accepted it.
   */
  reenroll(input: { token: string; device: EnrollDevice; rotateKey?: boolean }): Promise<EnrollReply>;
  /** Queues a full snapshot or incremental events with a fresh report id, then drains the queue. */
  report(input: { snapshot: Snapshot } | { events: readonly SnapshotEvent[] }): Promise<ReportOutcome>;
  /** Delivers queued reports, oldest first, retrying with backoff; stops at the first that cannot go. */
  flush(): Promise<FlushResult>;
  status(): Promise<DeviceStatus>;
  enrollment(): Promise<Enrollment | undefined>;
  /** Reports set aside as poison (kept on disk with their last error), oldest first. */
  poisoned(): Promise<PoisonedReport[]>;
  readonly publicJwk: DeviceKey['publicJwk'];
}

/**
 * A refusal that will not change however often the same report is sent: a 4xx other than 401 (the
 * signature: replay, stale time, unknown key: the device's problem, not this report's), 408 and 429.
 */
const isPermanentRefusal = (error: unknown): error is ServerError =>
  error instanceof ServerError &&
  error.status >= 400 &&
  error.status < 500 &&
  ![401, 408, 429].includes(error.status);

const errorText = (error: ServerError): string => error.message;

/** Builds an agent client from explicit dependencies. */
export function createAgentClient(deps: AgentClientDeps): AgentClient {
  const fetchImpl: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  const clock = deps.clock ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const maxServerFailures = deps.maxServerFailures ?? 5;
  /** Serialises flushes so that reports leave in queue order even when `report` is called concurrently. */
  let chain: Promise<unknown> = Promise.resolve();

  /** The key signing requests; replaced when a re-enrollment rotates it. */
  let key = deps.key;

  const rateLimitRetries = deps.rateLimit?.retries ?? 5;
  const rateLimitMaxWaitMs = deps.rateLimit?.maxWaitMs ?? 120_000;
  const rateLimitJitterMs = deps.rateLimit?.jitterMs ?? 1000;

  /** {@link requestOnce}, waiting out 429 `Retry-After` up to `rateLimitRetries` times (each try signed afresh). */
  const request = async (...args: Parameters<typeof requestOnce>): Promise<unknown> => {
    for (let retried = 0; ; retried++) {
      try {
        return await requestOnce(...args);
      } catch (error) {
        if (!(error instanceof ServerError) || error.status !== 429 || retried >= rateLimitRetries)
          throw error;
        const base = error.retryAfterMs ?? backoffDelay(retried, retry, random);
        const waitMs = Math.round(Math.min(base, rateLimitMaxWaitMs) + random() * rateLimitJitterMs);
        deps.onRateLimited?.({ path: args[2], waitMs });
        await sleep(waitMs);
      }
    }
  };

  const requestOnce = async (
    server: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    identity: { kid: string } | { jwk: DeviceKey['publicJwk'] },
    clockOffsetMs = 0,
    /** Re-enrollment: sign with this (new) key, and prove the current key as device `proofKid`. */
    reenrollment?: { readonly signer: DeviceKey; readonly proofKid: string },
  ): Promise<unknown> => {
    const base = server.endsWith('/') ? server : `${server}/`;
    const url = new URL(path.replace(/^\//, ''), base);
    const text = body === undefined ? '' : JSON.stringify(body);
    const signed = {
      method,
      path: `${url.pathname}${url.search}`,
      body: text,
      ts: Math.floor((clock().getTime() + clockOffsetMs) / 1000),
    };
    const signature = signRequest({
      ...signed,
      privateKey: (reenrollment?.signer ?? key).privateKey,
      identity,
    });
    const headers: Record<string, string> = { [SIGNATURE_HEADER]: signature };
    if (reenrollment !== undefined) {
      headers[PROOF_HEADER] = signRequest({
        ...signed,
        privateKey: key.privateKey,
        identity: { kid: reenrollment.proofKid },
      });
    }
    return sendJson({
      fetch: fetchImpl,
      server: base,
      method,
      path: url.toString(),
      body: text,
      headers,
      timeoutMs,
    });
  };

  const saveEnrollment = async (server: string, reply: EnrollReply): Promise<void> => {
    if (typeof reply?.deviceId !== 'string') throw new Error('unexpected enrollment reply: no deviceId');
    const serverTime = Date.parse(reply.serverTime);
    await deps.enrollment.save({
      server,
      deviceId: reply.deviceId,
      certificate: reply.certificate,
      caCertificate: reply.caCertificate,
      enrolledAt: clock().toISOString(),
      // Signing `ts` follows server time, so a device with a wrong clock is not refused as stale.
      clockOffsetMs: Number.isNaN(serverTime) ? 0 : serverTime - clock().getTime(),
    });
  };

  const requireEnrollment = async (): Promise<Enrollment> => {
    const enrollment = await deps.enrollment.load();
    if (enrollment === undefined) throw new Error('this agent is not enrolled: run enroll first');
    return enrollment;
  };

  /** Sends one queued report, retrying retryable failures (each try is signed afresh: new nonce, ts). */
  const deliver = async (enrollment: Enrollment, entry: QueuedReport): Promise<ReportReply> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await request(
          enrollment.server,
          'POST',
          '/v1/device/reports',
          entry.body,
          { kid: enrollment.deviceId },
          enrollment.clockOffsetMs,
        );
        return asReportReply(reply);
      } catch (error) {
        const retryable = error instanceof NetworkError || (error instanceof ServerError && error.retryable);
        if (!retryable || attempt + 1 >= retry.attempts) throw error;
        await sleep(backoffDelay(attempt, retry, random));
      }
    }
  };

  /**
   * Delivers the queue in order. A report that can never go (a permanent refusal, or a server error
   * in `maxServerFailures` rounds) is poison: it moves to `poison/` and the reports behind it go on.
   * A network error, 401, 408, 429 or a first server errors stop the round: the next flush retries.
   */
  const drain = async (): Promise<FlushResult> => {
    const enrollment = await requireEnrollment();
    const delivered: ReportReply[] = [];
    const rejected: { reportId: string; error: ServerError }[] = [];
    const entries = await deps.queue.list();
    const setAside = async (entry: QueuedReport, error: ServerError) => {
      await deps.queue.poison(entry, errorText(error), clock().toISOString());
      rejected.push({ reportId: entry.body.reportId, error });
    };
    for (const [index, entry] of entries.entries()) {
      try {
        delivered.push(await deliver(enrollment, entry));
        await deps.queue.remove(entry);
      } catch (error) {
        if (isPermanentRefusal(error)) {
          await setAside(entry, error);
          continue;
        }
        if (error instanceof ServerError && error.status >= 500) {
          const failures = await deps.queue.recordFailure(entry, errorText(error));
          if (failures >= maxServerFailures) {
            await setAside(entry, error);
            continue;
          }
        }
        const failure = error instanceof Error ? error : new Error(String(error));
        return { delivered, rejected, pending: entries.length - index, error: failure };
      }
    }
    return { delivered, rejected, pending: 0 };
  };

  const flush = (): Promise<FlushResult> => {
    const next = chain.then(drain, drain);
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    get publicJwk() {
      return key.publicJwk;
    },

    async enroll({ server, token, device }) {
      const publicKey = key.publicJwk;
      const reply = (await request(
        server,
        'POST',
        '/v1/device/enroll',
        { token, publicKey, device },
        { jwk: publicKey },
      )) as EnrollReply;
      await saveEnrollment(server, reply);
      return reply;
    },

    async reenroll({ token, device, rotateKey = true }) {
      const enrollment = await requireEnrollment();
      const next = rotateKey ? generateDeviceKey() : key;
      const reply = (await request(
        enrollment.server,
        'POST',
        '/v1/device/enroll',
        { token, publicKey: next.publicJwk, device, deviceId: enrollment.deviceId },
        { jwk: next.publicJwk },
        enrollment.clockOffsetMs,
        { signer: next, proofKid: enrollment.deviceId },
      )) as EnrollReply;
      if (next !== key) {
        await deps.saveKey?.(next);
        key = next;
      }
      await saveEnrollment(enrollment.server, reply);
      return reply;
    },

    async report(input) {
      await requireEnrollment();
      const reportId = randomUUID();
      const body: ReportBody =
        'snapshot' in input
          ? { reportId, kind: 'full', snapshot: input.snapshot }
          : { reportId, kind: 'events', events: input.events };
      await deps.queue.enqueue(body, clock().toISOString());
      const result = await flush();
      const reply = result.delivered.find((candidate) => candidate.reportId === reportId);
      if (reply !== undefined) return { status: 'acknowledged', reply };
      const refusal = result.rejected.find((candidate) => candidate.reportId === reportId);
      if (refusal !== undefined) return { status: 'rejected', reportId, error: refusal.error };
      return { status: 'queued', reportId, error: result.error ?? new Error('report not delivered') };
    },

    flush,

    async status() {
      const enrollment = await requireEnrollment();
      return asDeviceStatus(
        await request(
          enrollment.server,
          'GET',
          '/v1/device/status',
          undefined,
          { kid: enrollment.deviceId },
          enrollment.clockOffsetMs,
        ),
      );
    },

    enrollment: () => deps.enrollment.load(),
    poisoned: () => deps.queue.listPoisoned(),
  };
}

/** Options of an on-disk agent (the CLI, a real device). */
export type OpenAgentOptions = Omit<AgentClientDeps, 'key' | 'queue' | 'enrollment' | 'saveKey'> & {
  readonly stateDir: string;
};

/**
 * Opens the agent kept in `stateDir`: `device-key.jwk.json` (0600, created on first use),
 * `enrollment.json`, and the offline queue in `queue/`.
 */
export async function openAgent(options: OpenAgentOptions): Promise<AgentClient> {
  const { stateDir, ...rest } = options;
  return createAgentClient({
    ...rest,
    key: await loadOrCreateDeviceKey(stateDir),
    saveKey: (key) => saveDeviceKey(stateDir, key),
    queue: createReportQueue(join(stateDir, 'queue')),
    enrollment: createFileEnrollmentStore(stateDir),
  });
}

/** A memory-only agent (simulated devices): fresh key, memory queue and enrollment. */
export function createMemoryAgent(
  options: Omit<AgentClientDeps, 'key' | 'queue' | 'enrollment'> = {},
): AgentClient {
  return createAgentClient({
    ...options,
    key: generateDeviceKey(),
    queue: createMemoryReportQueue(),
    enrollment: createMemoryEnrollmentStore(),
  });
}
