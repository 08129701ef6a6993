/** A snapshot field a source could not fill, and why. */
export interface MissingField {
  /** Snapshot path, e.g. `device.securityPatch`, `apps[].fileSha256`, `integrity.bootloaderLocked`. */
  readonly field: string;
  readonly reason: string;
}

/** What a source filled and what it could not: printed by `scan`, part of its `--json` output. */
export interface Coverage {
  /** Snapshot paths filled from the acquisition, each with the file it came from. */
  readonly filled: readonly { readonly field: string; readonly from: string }[];
  readonly missing: readonly MissingField[];
}

/** Collects coverage while a source is read. */
export function createCoverage(): {
  fill(field: string, from: string): void;
  miss(field: string, reason: string): void;
  result(): Coverage;
} {
  const filled: { field: string; from: string }[] = [];
  const missing: MissingField[] = [];
  return {
    fill: (field, from) => {
      filled.push({ field, from });
    },
    miss: (field, reason) => {
      missing.push({ field, reason });
    },
    result: () => ({ filled: [...filled], missing: [...missing] }),
  };
}
