import type { App, Snapshot } from '@riskgate/engine';
import { nowNs } from '../lib/stats.ts';
import type { PlainMaps } from './intel.ts';

/** Per-call durations in microseconds of `fn` over `inputs`, `rounds` times; `sink` defeats dead-code elimination. */
export function sampleMicros<T>(
  inputs: readonly T[],
  rounds: number,
  fn: (input: T) => number,
  out: number[],
): number {
  let sink = 0;
  for (let round = 0; round < rounds; round++)
    for (const input of inputs) {
      const start = nowNs();
      sink += fn(input);
      out.push((nowNs() - start) / 1000);
    }
  return sink;
}

const EMPTY = new Map<string, true>();

/**
 * The theoretical floor of `assess()`'s intel work: a plain `Map.get` of each app's four indicator
 * values (package id, signer SHA-1, signer SHA-256, APK SHA-256). Returns the number of hits.
 */
export function createPlainLookup(plain: PlainMaps): (snapshot: Snapshot) => number {
  const ids = plain.get('app-id') ?? EMPTY;
  const sha1 = plain.get('cert-sha1') ?? EMPTY;
  const sha256 = plain.get('cert-sha256') ?? EMPTY;
  const files = plain.get('file-sha256') ?? EMPTY;
  const get = (map: ReadonlyMap<string, true>, value: string | undefined) =>
    value !== undefined && map.get(value) === true ? 1 : 0;
  return (snapshot) => {
    let hits = 0;
    const apps: readonly App[] = snapshot.apps;
    for (const app of apps)
      hits +=
        get(ids, app.id) + get(sha1, app.certSha1) + get(sha256, app.certSha256) + get(files, app.fileSha256);
    return hits;
  };
}

/**
 * Per-call microseconds of `fn` on a freshly parsed copy of each JSON text (parsing not timed), as a
 * server sees a report: no string has its hash computed yet, so every Map lookup hashes its key.
 */
export function sampleFreshMicros(
  texts: readonly string[],
  rounds: number,
  fn: (snapshot: Snapshot) => number,
  out: number[],
): number {
  let sink = 0;
  for (let round = 0; round < rounds; round++)
    for (const text of texts) {
      const snapshot = JSON.parse(text) as Snapshot;
      const start = nowNs();
      sink += fn(snapshot);
      out.push((nowNs() - start) / 1000);
    }
  return sink;
}
