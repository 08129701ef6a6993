import type { Logger } from 'pino';
import type { IntelUpstreamService } from './upstream-service.ts';

/** Runs the upstream fetches on a schedule: every `tickMs`, the feeds that are due (their own interval). */
export interface UpstreamScheduler {
  start(): void;
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
  /** One round now (tests, and the timer). */
  round(): Promise<void>;
}

export function createUpstreamScheduler(
  service: Pick<IntelUpstreamService, 'runDue'>,
  logger: Pick<Logger, 'warn'>,
  tickMs: number,
): UpstreamScheduler {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const round = (): Promise<void> => {
    // A round still running when the timer fires again: this tick is skipped.
    if (running !== undefined) return running;
    running = service
      .runDue()
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error }, 'intel upstream round failed'),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    start() {
      if (tickMs <= 0 || timer !== undefined) return;
      timer = setInterval(() => void round(), tickMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
    round,
  };
}
