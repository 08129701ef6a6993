import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let cached: (() => void) | undefined;

/**
 * A full garbage collection, available without starting node with `--expose-gc`: the flag is set at
 * run time and `gc` is taken from a fresh context (the global of the current one was already built).
 */
export function forceGc(): void {
  if (cached === undefined) {
    const existing: unknown = Reflect.get(globalThis, 'gc');
    if (typeof existing === 'function') cached = () => existing();
    else {
      setFlagsFromString('--expose-gc');
      const fromContext: unknown = runInNewContext('gc');
      if (typeof fromContext !== 'function') throw new Error('cannot expose the garbage collector');
      cached = () => fromContext();
    }
  }
  // Twice: the first pass may only queue finalizers / weak callbacks.
  cached();
  cached();
}

/** Heap used after a full collection, in bytes. */
export function heapUsedAfterGc(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}
