import { useState } from 'react';
import { ErrorNotice, Loading, Notice, PageHeader, RiskBadge, Tag, TextField } from '../components/ui.tsx';
import { humanize } from '../format.ts';
import { useConsole, useLoad } from '../hooks.tsx';
import { can } from '../role.ts';
import { type RerateSummary, THREAT_RISKS, type ThreatType, type ThreatTypesReply } from '../types.ts';

function summaryText(what: string, summary: RerateSummary): string {
  return `${what}: ${summary.threatsUpdated} open threat(s) re-rated, ${summary.devicesChanged} of ${summary.devicesExamined} device(s) changed risk level.`;
}

/** One catalog row with its risk override control. */
function TypeRow(props: {
  type: ThreatType;
  busy: boolean;
  canChange: boolean;
  onSet(risk: string): void;
  onReset(): void;
}) {
  const { type } = props;
  const [risk, setRisk] = useState(type.risk);
  const selectId = `risk-${type.id}`;
  return (
    <tr data-type-id={type.id}>
      <td>
        <span className="strong">{type.title}</span>
        <div className="muted small">
          <code>{type.id}</code> · {humanize(type.class)} · {type.platforms.join(', ')}
        </div>
        <div className="small">{type.description}</div>
      </td>
      <td>
        {type.attack.map((id) => (
          <Tag key={id}>{id}</Tag>
        ))}
      </td>
      <td>
        <RiskBadge level={type.defaultRisk} />
      </td>
      <td>
        <RiskBadge level={type.risk} />
        {type.overridden && <div className="muted small">overridden</div>}
      </td>
      {!props.canChange ? (
        <td className="muted small">read-only role</td>
      ) : (
        <td className="row-actions">
          <label htmlFor={selectId} className="sr-only">
            New risk for {type.title}
          </label>
          <select id={selectId} value={risk} onChange={(event) => setRisk(event.target.value)}>
            {THREAT_RISKS.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={props.busy || risk === type.risk}
            onClick={() => props.onSet(risk)}
          >
            Apply
          </button>
          {type.overridden && (
            <button type="button" className="btn btn-small" disabled={props.busy} onClick={props.onReset}>
              Reset
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

/** The threat catalog with the tenant's risk overrides; a change re-rates devices at once. */
export function ThreatTypesPage() {
  const { api, role } = useConsole();
  const canChange = can(role, 'policies:write');
  const catalog = useLoad(() => api.get<ThreatTypesReply>('/v1/admin/threat-types'), []);
  const [search, setSearch] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  async function change(what: string, run: () => Promise<RerateSummary>) {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(summaryText(what, await run()));
      catalog.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const needle = search.trim().toLowerCase();
  const items = (catalog.data?.items ?? []).filter(
    (t) => needle === '' || `${t.id} ${t.title} ${t.class}`.toLowerCase().includes(needle),
  );

  return (
    <>
      <PageHeader
        title="Threat types"
        description="The detection catalog. Override a type's risk for your tenant: open threats and device risk levels change at once."
      />
      <div className="filters">
        <TextField
          label="Search"
          type="search"
          value={search}
          onChange={setSearch}
          placeholder="stalkerware"
        />
      </div>
      {done !== undefined && <Notice tone="success">{done}</Notice>}
      <ErrorNotice error={error ?? catalog.error} />
      {catalog.data === undefined ? (
        catalog.loading && <Loading />
      ) : (
        <>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">ATT&amp;CK</th>
                  <th scope="col">Default risk</th>
                  <th scope="col">Risk</th>
                  <th scope="col">Change risk</th>
                </tr>
              </thead>
              <tbody>
                {items.map((type) => (
                  <TypeRow
                    key={`${type.id}:${type.risk}`}
                    type={type}
                    busy={busy}
                    canChange={canChange}
                    onSet={(risk) =>
                      change(`${type.title} set to ${risk}`, () =>
                        api.send<RerateSummary>(
                          'PUT',
                          `/v1/admin/threat-types/${encodeURIComponent(type.id)}/risk`,
                          {
                            risk,
                          },
                        ),
                      )
                    }
                    onReset={() =>
                      change(`${type.title} back to ${type.defaultRisk}`, () =>
                        api.send<RerateSummary>(
                          'DELETE',
                          `/v1/admin/threat-types/${encodeURIComponent(type.id)}/risk`,
                        ),
                      )
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
          <section className="card" aria-labelledby="families-h">
            <h2 id="families-h">Family overrides</h2>
            <p className="muted small">A malware family override wins over the type's risk.</p>
            {catalog.data.families.length === 0 ? (
              <p className="muted">No family override.</p>
            ) : (
              <ul className="plain">
                {catalog.data.families.map((f) => (
                  <li key={f.family}>
                    <strong>{f.family}</strong> <RiskBadge level={f.risk} />{' '}
                    {canChange && (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={busy}
                        onClick={() =>
                          change(`Family ${f.family} override removed`, () =>
                            api.send<RerateSummary>(
                              'DELETE',
                              `/v1/admin/threat-families/${encodeURIComponent(f.family)}/risk`,
                            ),
                          )
                        }
                      >
                        Remove
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {canChange && (
              <FamilyForm
                busy={busy}
                onSet={(family, risk) =>
                  change(`Family ${family} set to ${risk}`, () =>
                    api.send<RerateSummary>(
                      'PUT',
                      `/v1/admin/threat-families/${encodeURIComponent(family)}/risk`,
                      { risk },
                    ),
                  )
                }
              />
            )}
          </section>
        </>
      )}
    </>
  );
}

function FamilyForm(props: { busy: boolean; onSet(family: string, risk: string): void }) {
  const [family, setFamily] = useState('');
  const [risk, setRisk] = useState('high');
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (family.trim() !== '') props.onSet(family.trim(), risk);
      }}
    >
      <TextField label="Family" value={family} onChange={setFamily} placeholder="TheTruthSpy" required />
      <label className="field">
        <span>Risk</span>
        <select value={risk} onChange={(event) => setRisk(event.target.value)}>
          {THREAT_RISKS.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="btn btn-primary" disabled={props.busy}>
        Set family risk
      </button>
    </form>
  );
}
