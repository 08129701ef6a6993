/**
 * The report of `riskgate intel check` (a dry run of the one loader) and of a feed upload: per
 * file, the format detected, the family and categories, the indicators by kind, and every file or
 * entry skipped with its reason. Text for people, JSON for scripts; nothing is stored.
 */
import type { IndicatorKind } from '@riskgate/engine';
import type { IntelFileReport, LoadIntelResult } from './load-files.ts';

/** The JSON report: every file, and totals. */
export interface IntelCheckReport {
  readonly files: readonly IntelFileReport[];
  readonly totals: {
    readonly loaded: number;
    readonly skipped: number;
    readonly errors: number;
    /** Distinct values by kind, summed over the loaded files. */
    readonly byKind: Readonly<Partial<Record<IndicatorKind, number>>>;
  };
}

/** The report of a load. */
export function intelCheckReport(result: Pick<LoadIntelResult, 'files'>): IntelCheckReport {
  const byKind: Partial<Record<IndicatorKind, number>> = {};
  let loaded = 0;
  let skipped = 0;
  let errors = 0;
  for (const file of result.files) {
    if (file.status === 'loaded') loaded++;
    else if (file.status === 'skipped') skipped++;
    else errors++;
    for (const [kind, count] of Object.entries(file.byKind ?? {}) as [IndicatorKind, number][])
      byKind[kind] = (byKind[kind] ?? 0) + count;
  }
  return { files: result.files, totals: { loaded, skipped, errors, byKind } };
}

function kinds(byKind: Readonly<Partial<Record<string, number>>> | undefined): string {
  const parts = Object.entries(byKind ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind} ${count}`);
  return parts.length === 0 ? 'no indicators' : parts.join(', ');
}

/** The report as text: one block per file, skipped entries indented under it, then the totals. */
export function formatIntelCheck(
  report: IntelCheckReport,
  options: { readonly verbose?: boolean } = {},
): string {
  const lines: string[] = [];
  for (const file of report.files) {
    if (file.status !== 'loaded') {
      lines.push(`${file.status.padEnd(8)} ${file.path}`, `         reason: ${file.reason ?? 'unknown'}`);
      continue;
    }
    lines.push(`loaded   ${file.path}`);
    lines.push(`         format: ${file.format ?? '?'}  feed: ${file.feed ?? '?'}`);
    const family =
      file.family === undefined ? 'none named' : `${file.family} (from ${file.familyFrom ?? '?'})`;
    lines.push(`         family: ${family}  category: ${(file.categories ?? []).join(', ') || '-'}`);
    lines.push(`         indicators: ${kinds(file.byKind)}`);
    if (file.skippedEntries > 0) {
      lines.push(`         skipped entries: ${file.skippedEntries}`);
      const sample = file.skippedSample ?? [];
      const shown = options.verbose === true ? sample : sample.slice(0, 5);
      for (const entry of shown) lines.push(`           - ${entry}`);
      if (file.skippedEntries > shown.length)
        lines.push(
          `           … ${file.skippedEntries - shown.length} more (--json lists the first ${sample.length})`,
        );
    }
  }
  const { loaded, skipped, errors, byKind } = report.totals;
  lines.push(`${loaded} loaded, ${skipped} skipped, ${errors} error(s); indicators: ${kinds(byKind)}`);
  return `${lines.join('\n')}\n`;
}
