import type { Snapshot } from '@riskgate/engine';
import type { Coverage } from './coverage.ts';

/** The kinds of acquisition `riskgate-agent scan` reads. */
export type SourceKind = 'androidqf' | 'bugreport' | 'adb-folder' | 'ios-backup' | 'adb';

export interface CollectOptions {
  /** Collection time (ISO 8601): the snapshot's `collectedAt`. */
  readonly now: string;
  readonly agentVersion: string;
}

/** A snapshot built from an acquisition, with what it could and could not fill. */
export interface CollectedSnapshot {
  readonly source: SourceKind;
  readonly snapshot: Snapshot;
  readonly coverage: Coverage;
  /** Non-fatal notes (e.g. a package whose dumpsys failed on a live device). */
  readonly warnings: readonly string[];
}
