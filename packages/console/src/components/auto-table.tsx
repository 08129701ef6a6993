import { preview } from '../format.ts';
import { RiskBadge, StateBadge } from './ui.tsx';

type Row = Readonly<Record<string, unknown>>;

const RISK_KEYS = new Set(['risk', 'riskLevel', 'maxRiskLevel', 'defaultRisk']);
const STATE_KEYS = new Set(['state', 'complianceState', 'decision', 'outcome', 'status']);

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
export function columnsOf(rows: readonly Row[], max = 7): string[] {
  const keys: string[] = [];
  for (const row of rows.slice(0, 20))
    for (const key of Object.keys(row)) if (!keys.includes(key) && keys.length < max) keys.push(key);
  return keys;
}

function Cell({ name, value }: { name: string; value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'string' && RISK_KEYS.has(name)) return <RiskBadge level={value} />;
  if (typeof value === 'string' && STATE_KEYS.has(name)) return <StateBadge state={value} />;
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string' || typeof value === 'number') return <>{String(value)}</>;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return <>{value.join(', ')}</>;
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
                {column}
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
