import { useState } from 'react';
import { Empty, ErrorNotice, Loading, PageHeader, Pager, SelectField, TextField } from '../components/ui.tsx';
import { formatTime, preview } from '../format.ts';
import { useConsole, useCursorPaging, useDebounced, useLoad } from '../hooks.tsx';
import { Link } from '../router.tsx';
import type { Page } from '../types.ts';

interface AccessLogEntry {
  readonly id: string;
  readonly at: string;
  readonly deviceId: string | null;
  readonly resourceId: string;
  readonly outcome: string;
  readonly reason: string;
  readonly policyId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Access denials and report-only "would deny" outcomes, newest first. */
export function AccessLogPage() {
  const { api } = useConsole();
  const [outcome, setOutcome] = useState('');
  const [resourceInput, setResource] = useState('');
  const resource = useDebounced(resourceInput.trim());
  const filterKey = JSON.stringify([outcome, resource]);
  const paging = useCursorPaging(filterKey);
  const list = useLoad(
    () =>
      api.get<Page<AccessLogEntry>>('/v1/admin/access-log', {
        outcome,
        resource,
        limit: 50,
        cursor: paging.after,
      }),
    [filterKey, paging.after],
  );
  return (
    <>
      <PageHeader
        title="Access log"
        description="Denied requests, and what report-only policies would have denied. Newest first."
      />
      <form className="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Outcome"
          value={outcome}
          onChange={setOutcome}
          options={['deny', 'would-deny']}
          anyLabel="Any outcome"
        />
        <TextField
          label="Resource"
          type="search"
          value={resourceInput}
          onChange={setResource}
          placeholder="mail"
        />
      </form>
      <ErrorNotice error={list.error} />
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : list.data.items.length === 0 ? (
        <Empty>No access decision logged.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Outcome</th>
                <th scope="col">Resource</th>
                <th scope="col">Device</th>
                <th scope="col">Policy</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatTime(entry.at)}</td>
                  <td>
                    <span
                      className={`badge state state-${entry.outcome === 'deny' ? 'noncompliant' : 'in-grace-period'}`}
                    >
                      {entry.outcome}
                    </span>
                  </td>
                  <td>
                    <code>{entry.resourceId}</code>
                  </td>
                  <td>
                    {entry.deviceId === null ? (
                      <span className="muted">unknown device</span>
                    ) : (
                      <Link to={`/devices/${encodeURIComponent(entry.deviceId)}`}>{entry.deviceId}</Link>
                    )}
                  </td>
                  <td>{entry.policyId ?? '—'}</td>
                  <td title={JSON.stringify(entry.details)}>
                    {entry.reason}
                    {Object.keys(entry.details).length > 0 && (
                      <div className="muted small mono">{preview(entry.details, 80)}</div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data !== undefined && (
        <Pager
          page={paging.page}
          hasNext={list.data.nextCursor !== null}
          onPrev={paging.prev}
          onNext={() => paging.next(list.data?.nextCursor ?? null)}
        />
      )}
    </>
  );
}
