import type { CompliancePolicy } from '@riskgate/engine';
import { useState } from 'react';
import { AutoTable, rowsOf } from '../components/auto-table.tsx';
import { Empty, ErrorNotice, Loading, Notice, PageHeader } from '../components/ui.tsx';
import { useConsole, useLoad } from '../hooks.tsx';

const PATH = '/v1/admin/compliance-policies';

/** A starting point for a new policy (the engine's `CompliancePolicy` shape). */
export const POLICY_TEMPLATE: CompliancePolicy = {
  id: 'corporate-baseline',
  name: 'Corporate baseline',
  assignment: { ownership: ['corporate'] },
  rules: {
    maxThreatLevel: 'low',
    minOsVersion: { android: '13', ios: '17.0' },
    maxPatchAgeDays: 90,
    requireScreenLock: true,
    requireEncryption: true,
  },
  gracePeriodHours: 24,
  actions: [
    { afterHours: 0, action: 'notify' },
    { afterHours: 24, action: 'mark-noncompliant' },
  ],
  unresponsive: { afterDays: 7, treatAs: 'noncompliant' },
  enabled: true,
};

/** Compliance policies: list, and create or edit one as JSON (validated by the server). */
export function CompliancePoliciesPage() {
  const { api, operations } = useConsole();
  const list = useLoad(() => api.get<unknown>(PATH), []);
  const [editing, setEditing] = useState<{ id: string | undefined; text: string }>();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const canCreate = operations.has(`POST ${PATH}`);
  const canUpdate = operations.has(`PUT ${PATH}/{id}`);
  const rows = rowsOf(list.data);

  async function save() {
    if (editing === undefined) return;
    setError(undefined);
    setSaved(undefined);
    let body: unknown;
    try {
      body = JSON.parse(editing.text);
    } catch (failure) {
      setError(new Error(`The policy is not valid JSON: ${failure instanceof Error ? failure.message : ''}`));
      return;
    }
    try {
      if (editing.id === undefined) await api.send('POST', PATH, body);
      else await api.send('PUT', `${PATH}/${encodeURIComponent(editing.id)}`, body);
      setSaved(editing.id === undefined ? 'Policy created.' : 'Policy saved; devices are re-evaluated.');
      setEditing(undefined);
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <>
      <PageHeader
        title="Compliance policies"
        description="Rules a device must pass, a grace period, and the actions taken when it does not."
        actions={
          canCreate && (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => setEditing({ id: undefined, text: JSON.stringify(POLICY_TEMPLATE, null, 2) })}
            >
              New policy
            </button>
          )
        }
      />
      {saved !== undefined && <Notice tone="success">{saved}</Notice>}
      <ErrorNotice error={error ?? list.error} />
      {editing !== undefined && (
        <section className="card" aria-labelledby="editor-h">
          <h2 id="editor-h">{editing.id === undefined ? 'New policy' : `Edit ${editing.id}`}</h2>
          <label className="field">
            <span>Policy (JSON)</span>
            <textarea
              className="code-editor"
              rows={22}
              spellCheck={false}
              value={editing.text}
              onChange={(event) => setEditing({ ...editing, text: event.target.value })}
            />
          </label>
          <div className="actions">
            <button type="button" className="btn btn-primary" onClick={save}>
              Save
            </button>
            <button type="button" className="btn" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
          </div>
        </section>
      )}
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : rows.length === 0 ? (
        <Empty>No compliance policy: every device counts as compliant.</Empty>
      ) : (
        <AutoTable
          rows={rows}
          {...(canUpdate
            ? {
                selectLabel: 'Edit',
                onSelect: (row) => setEditing({ id: String(row.id), text: JSON.stringify(row, null, 2) }),
              }
            : {})}
        />
      )}
    </>
  );
}
