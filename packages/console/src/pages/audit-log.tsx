import { useState } from 'react';
import { Empty, ErrorNotice, Loading, Notice, PageHeader, Pager } from '../components/ui.tsx';
import { formatTime, preview } from '../format.ts';
import { useConsole, useLoad } from '../hooks.tsx';
import type { AuditEntry, AuditVerify } from '../types.ts';

const PAGE_SIZE = 50;

/** The append-only, hash-chained audit log, oldest first, with a chain check. */
export function AuditLogPage() {
  const { api } = useConsole();
  const [starts, setStarts] = useState<readonly number[]>([0]);
  const afterSeq = starts[starts.length - 1] ?? 0;
  const list = useLoad(
    () => api.get<{ items: AuditEntry[] }>('/v1/admin/audit-log', { afterSeq, limit: PAGE_SIZE }),
    [afterSeq],
  );
  const [verify, setVerify] = useState<AuditVerify>();
  const [error, setError] = useState<unknown>();
  const items = list.data?.items ?? [];
  const last = items[items.length - 1];

  async function check() {
    setError(undefined);
    try {
      setVerify(await api.get<AuditVerify>('/v1/admin/audit-log/verify'));
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every admin change, in order. Each entry is chained to the previous one by its hash."
        actions={
          <button type="button" className="btn" onClick={check}>
            Verify chain
          </button>
        }
      />
      {verify !== undefined &&
        (verify.ok ? (
          <Notice tone="success">Chain intact: {verify.checked} entries checked.</Notice>
        ) : (
          <div className="notice notice-error" role="alert">
            Chain broken at entry {verify.firstBrokenSeq ?? '?'}: {verify.reason ?? 'unknown reason'}.
          </div>
        ))}
      <ErrorNotice error={error ?? list.error} />
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : items.length === 0 ? (
        <Empty>No entries{afterSeq > 0 ? ' after this point' : ''}.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.seq}>
                  <td>{entry.seq}</td>
                  <td>{formatTime(entry.at)}</td>
                  <td>
                    <code>{entry.actor}</code>
                  </td>
                  <td className="strong">{entry.action}</td>
                  <td>{entry.target === null ? '—' : <code>{entry.target}</code>}</td>
                  <td className="small mono" title={JSON.stringify(entry.details)}>
                    {preview(entry.details, 90)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data !== undefined && (
        <Pager
          page={starts.length}
          hasNext={items.length === PAGE_SIZE && last !== undefined}
          onPrev={() => setStarts((s) => (s.length > 1 ? s.slice(0, -1) : s))}
          onNext={() => last !== undefined && setStarts((s) => [...s, last.seq])}
        />
      )}
    </>
  );
}
