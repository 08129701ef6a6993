import { parseDocument } from 'yaml';
import type { IndicatorCategory, IndicatorKind, Provenance } from '../../types.ts';
import { IntelParseError, lineOfOffset } from '../errors.ts';
import { normalizeIndicator } from '../normalize.ts';
import type { IndicatorRecord } from '../types.ts';

/** The last path segment of a file name (`a/b/ioc.yaml` → `ioc.yaml`). */
export function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1] ?? fileName;
}

/** The parent directory name of a file (`mvt/ResidentBat/domains.txt` → `ResidentBat`), or `undefined`. */
export function parentName(fileName: string): string | undefined {
  const parts = fileName.split(/[\\/]/).filter((p) => p !== '');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/** Parses YAML; syntax errors become an `IntelParseError` naming the line. Duplicate keys are tolerated. */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const line = error.linePos?.[0]?.line ?? lineOfOffset(text, error.pos[0]);
    throw new IntelParseError(file, `invalid YAML: ${error.message.split('\n')[0] ?? ''}`, { line });
  }
  return doc.toJS() as unknown;
}

/** Builds indicator records, normalising each value; invalid values are reported through `onInvalid`. */
export class IndicatorCollector {
  readonly records: IndicatorRecord[] = [];
  readonly skipped: string[] = [];

  /** Adds one indicator; returns false (and records why) when the value is not valid for the kind. */
  add(kind: IndicatorKind, raw: string, provenance: Provenance, where: string): boolean {
    const value = normalizeIndicator(kind, raw);
    if (value === undefined && kind === 'domain') {
      // Feeds put IPs and URLs in domain lists: index them as what they are.
      const ip = normalizeIndicator('ip', raw);
      const url = ip === undefined && raw.includes('/') ? normalizeIndicator('url', raw) : undefined;
      if (ip !== undefined) return this.push('ip', ip, provenance);
      if (url !== undefined) return this.push('url', url, provenance);
    }
    if (value === undefined) {
      this.skipped.push(`${where}: not a valid ${kind}: ${JSON.stringify(raw.slice(0, 100))}`);
      return false;
    }
    return this.push(kind, value, provenance);
  }

  /** Adds a value the caller already normalised. */
  addNormalized(kind: IndicatorKind, value: string, provenance: Provenance): void {
    this.records.push({ kind, value, provenance });
  }

  private push(kind: IndicatorKind, value: string, provenance: Provenance): true {
    this.records.push({ kind, value, provenance });
    return true;
  }
}

/** A provenance object without `undefined` members. */
export function provenance(
  feed: string,
  category: IndicatorCategory,
  extra: { family?: string | undefined; reference?: string | undefined; source?: string | undefined },
): Provenance {
  const result: { -readonly [K in keyof Provenance]: Provenance[K] } = { feed, category };
  if (extra.family !== undefined && extra.family !== '') result.family = extra.family;
  if (extra.reference !== undefined && extra.reference !== '') result.reference = extra.reference;
  if (extra.source !== undefined) result.source = extra.source;
  return result;
}

/** Splits text into lines (any line ending). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/** Splits one CSV line (RFC 4180 quotes supported). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
