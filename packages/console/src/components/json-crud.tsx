import { type ReactNode, useState } from 'react';
import { useConsole, useLoad } from '../hooks.tsx';
import { can } from '../role.ts';
import { AutoTable, rowsOf } from './auto-table.tsx';
import { Empty, ErrorNotice, Loading, Notice, PageHeader } from './ui.tsx';

/** What a JSON-edited collection page needs to know. */
export interface JsonCrudProps {
  readonly title: string;
  readonly description: ReactNode;
  /** The collection, e.g. `/v1/admin/resources`; items are at `${path}/{id}`. */
  readonly path: string;
  /** The document a "New" starts from. */
  readonly template: unknown;
  readonly noun: string;
  readonly emptyText: string;
  /** Fields of a listed row the server sets itself (ids, timestamps): left out of the edited body. */
  readonly serverFields?: readonly string[];
}

/** ` N of M device(s) changed.` when a change reply says how many devices it re-evaluated. */
function reevaluated(reply: unknown): string {
  if (typeof reply !== 'object' || reply === null) return '';
  const { devicesExamined, devicesChanged } = reply as {
    devicesExamined?: unknown;
    devicesChanged?: unknown;
  };
  if (typeof devicesExamined !== 'number' || typeof devicesChanged !== 'number') return '';
  return ` Devices re-evaluated: ${devicesChanged} of ${devicesExamined} changed.`;
}

/** The body to edit for a listed row: the row without the fields the server sets. */
export function editableBody(row: Readonly<Record<string, unknown>>, serverFields: readonly string[] = []) {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !serverFields.includes(key)));
}

/**
 * A collection edited as JSON documents (the server validates them against its schema): list,
 * create, replace, delete. Each action is offered only when /openapi.json lists its operation.
 */
export function JsonCrudPage(props: JsonCrudProps) {
  const { api, operations, role } = useConsole();
  const mayWrite = can(role, 'policies:write');
  const list = useLoad(() => api.get<unknown>(props.path), [props.path]);
  const [editing, setEditing] = useState<{ id: string | undefined; text: string }>();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const canCreate = mayWrite && operations.has(`POST ${props.path}`);
  const canReplace = mayWrite && operations.has(`PUT ${props.path}/{id}`);
  const canDelete = mayWrite && operations.has(`DELETE ${props.path}/{id}`);
  const rows = rowsOf(list.data);
  const itemPath = (id: string) => `${props.path}/${encodeURIComponent(id)}`;

  async function run(what: string, action: () => Promise<unknown>) {
    setError(undefined);
    setSaved(undefined);
    try {
      setSaved(what + reevaluated(await action()));
      setEditing(undefined);
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  function save() {
    if (editing === undefined) return;
    let body: unknown;
    try {
      body = JSON.parse(editing.text);
    } catch (failure) {
      setError(new Error(`This is not valid JSON: ${failure instanceof Error ? failure.message : ''}`));
      return;
    }
    const id = editing.id;
    void run(`${props.noun} ${id === undefined ? 'created' : 'saved'}.`, () =>
      id === undefined ? api.send('POST', props.path, body) : api.send('PUT', itemPath(id), body),
    );
  }

  function remove(id: string) {
    if (!window.confirm(`Delete ${props.noun.toLowerCase()} ${id}?`)) return;
    void run(`${props.noun} ${id} deleted.`, () => api.send('DELETE', itemPath(id)));
  }

  return (
    <>
      <PageHeader
        title={props.title}
        description={props.description}
        actions={
          canCreate && (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => setEditing({ id: undefined, text: JSON.stringify(props.template, null, 2) })}
            >
              New {props.noun.toLowerCase()}
            </button>
          )
        }
      />
      {saved !== undefined && <Notice tone="success">{saved}</Notice>}
      <ErrorNotice error={error ?? list.error} />
      {editing !== undefined && (
        <section className="card" aria-labelledby="editor-h">
          <h2 id="editor-h">
            {editing.id === undefined ? `New ${props.noun.toLowerCase()}` : `Edit ${editing.id}`}
          </h2>
          <label className="field">
            <span>{props.noun} (JSON, checked by the server)</span>
            <textarea
              className="code-editor"
              rows={20}
              spellCheck={false}
              value={editing.text}
              onChange={(event) => setEditing({ ...editing, text: event.target.value })}
            />
          </label>
          <div className="actions editor-actions">
            <button type="button" className="btn btn-primary" onClick={save}>
              Save
            </button>
            <button type="button" className="btn" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
            {editing.id !== undefined && canDelete && (
              <button type="button" className="btn btn-danger" onClick={() => remove(editing.id ?? '')}>
                Delete
              </button>
            )}
          </div>
        </section>
      )}
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : rows.length === 0 ? (
        <Empty>{props.emptyText}</Empty>
      ) : (
        <AutoTable
          rows={rows}
          {...(canReplace || canDelete
            ? {
                selectLabel: 'Edit',
                onSelect: (row) =>
                  setEditing({
                    id: String(row.id),
                    text: JSON.stringify(editableBody(row, props.serverFields), null, 2),
                  }),
              }
            : {})}
        />
      )}
    </>
  );
}
