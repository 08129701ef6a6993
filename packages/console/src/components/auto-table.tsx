import { preview } from '../format.ts';
import { RiskBadge, StateBadge } from './ui.tsx';

type Row = Readonly<Record<string, unknown>>;

const RISK_KEYS: ReadonlySet<string> = new Set(['risk', 'riskLevel', 'maxRiskLevel', 'defaultRisk']);
const STATE_KEYS: ReadonlySet<string> = new Set([
  'state',
  'complianceState',
  'decision',
  'outcome',
  'status',
]);

/** The rows of a list reply: `{ items: [...] }` or a bare array; anything else is no rows. */
export function rowsOf(reply: unknown): readonly Row[] {
  const items = Array.isArray(reply)
    ? reply
    : typeof reply === 'object' && reply !== null && Array.isArray((reply as { items?: unknown }).items)
      ? (reply as { items: unknown[] }).items
      : [];
  return items.filter((item): item is Row => typeof item === 'object' && item !== null);
}

/** Up to `max` columns: the keys of the first rows, in order of first appearance. */
export function columnsOf(rows: readonly Row[], max = 8): string[] {
  const keys: string[] = [];
  for (const row of rows.slice(0, 20))
    for (const key of Object.keys(row)) if (!keys.includes(key) && keys.length < max) keys.push(key);
  return keys;
}

/** `gracePeriodHours` → `Grace period hours`. */
export function headerOf(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Cell({ name, value }: { name: string; value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'string' && RISK_KEYS.has(name)) return <RiskBadge level={value} />;
  if (typeof value === 'string' && STATE_KEYS.has(name)) return <StateBadge state={value} />;
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string' || typeof value === 'number') return <>{String(value)}</>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every((v) => typeof v === 'string' || typeof v === 'number')) return <>{value.join(', ')}</>;
    return (
      <ul className="kv">
        {value.slice(0, 6).map((item, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a read-only preview of a list that never reorders.
          <li key={index}>{preview(item, 60)}</li>
        ))}
      </ul>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return <span className="muted">any</span>;
    return (
      <ul className="kv">
        {entries.map(([key, inner]) => (
          <li key={key}>
            <span className="muted">{headerOf(key)}:</span> {preview(inner, 60)}
          </li>
        ))}
      </ul>
    );
  }
  return <span className="small mono">{preview(value, 80)}</span>;
}

/**
 * A table for list endpoints whose shape the console does not know in advance (features that
 * are newer than the console): columns come from the rows themselves.
 */
export function AutoTable(props: {
  rows: readonly Row[];
  onSelect?: (row: Row) => void;
  selectLabel?: string;
}) {
  const columns = columnsOf(props.rows);
  return (
    <div className="table-wrap">
      <table className="data">
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {headerOf(column)}
              </th>
            ))}
            {props.onSelect !== undefined && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, index) => (
            <tr key={typeof row.id === 'string' ? row.id : index}>
              {columns.map((column) => (
                <td key={column}>
                  <Cell name={column} value={row[column]} />
                </td>
              ))}
              {props.onSelect !== undefined && (
                <td className="row-actions">
                  <button type="button" className="btn btn-small" onClick={() => props.onSelect?.(row)}>
                    {props.selectLabel ?? 'Open'}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
