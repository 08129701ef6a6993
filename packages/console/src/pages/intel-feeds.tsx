import { type ChangeEvent, useState } from 'react';
import { AutoTable, rowsOf } from '../components/auto-table.tsx';
import { Empty, ErrorNotice, Loading, Notice, PageHeader } from '../components/ui.tsx';
import { useConsole, useLoad } from '../hooks.tsx';
import { can } from '../role.ts';

const PATH = '/v1/admin/intel-feeds';

/** Intel feeds with their indicator counts; a file upload when the server offers one. */
export function IntelFeedsPage() {
  const { api, operations, role } = useConsole();
  const list = useLoad(() => api.get<unknown>(PATH), []);
  const uploadTypes = can(role, 'intel:write') ? operations.get(`POST ${PATH}`) : undefined;
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const rows = rowsOf(list.data);

  async function upload(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined || uploadTypes === undefined) return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const text = await file.text();
      const type = uploadTypes[0] ?? 'application/json';
      if (type.includes('json')) await api.send('POST', PATH, { name: file.name, content: text });
      else await api.upload('POST', PATH, text, type);
      setDone(`Uploaded ${file.name}.`);
      list.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader
        title="Intel feeds"
        description="Imported threat intelligence, with provenance and indicator counts."
        actions={
          uploadTypes !== undefined && (
            <label className={`btn btn-primary${busy ? ' disabled' : ''}`}>
              Upload a feed file
              <input type="file" className="sr-only" onChange={upload} disabled={busy} />
            </label>
          )
        }
      />
      {done !== undefined && <Notice tone="success">{done}</Notice>}
      <ErrorNotice error={error ?? list.error} />
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : rows.length === 0 ? (
        <Empty>No intel feed loaded.</Empty>
      ) : (
        <AutoTable rows={rows} />
      )}
    </>
  );
}
