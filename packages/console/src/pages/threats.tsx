import { useState } from 'react';
import {
  Empty,
  ErrorNotice,
  Loading,
  PageHeader,
  Pager,
  RiskBadge,
  SelectField,
  StateBadge,
  TextField,
} from '../components/ui.tsx';
import { formatAgo } from '../format.ts';
import { useConsole, useCursorPaging, useDebounced, useLoad } from '../hooks.tsx';
import { can } from '../role.ts';
import { Link } from '../router.tsx';
import { type Page, THREAT_RISKS, THREAT_STATES, type Threat } from '../types.ts';

const PAGE_SIZE = 25;
const VERBS = { ignore: 'Ignore', resolve: 'Resolve', reactivate: 'Reactivate' } as const;
type Verb = keyof typeof VERBS;

function verbsFor(state: string): readonly Verb[] {
  return state === 'active' ? ['ignore', 'resolve'] : ['reactivate'];
}

/** Threats across the fleet, filtered; triage (ignore / resolve / reactivate) re-rates the device at once. */
export function ThreatsPage() {
  const { api, role } = useConsole();
  const canTriage = can(role, 'threats:write');
  const [state, setState] = useState('active');
  const [risk, setRisk] = useState('');
  const [typeIdInput, setTypeId] = useState('');
  const typeId = useDebounced(typeIdInput.trim());
  const filterKey = JSON.stringify([state, risk, typeId]);
  const paging = useCursorPaging(filterKey);
  const list = useLoad(
    () =>
      api.get<Page<Threat & { deviceId?: string }>>('/v1/admin/threats', {
        state,
        risk,
        typeId,
        limit: PAGE_SIZE,
        after: paging.after,
      }),
    [filterKey, paging.after],
  );
  const [actionError, setActionError] = useState<unknown>();
  const [busyId, setBusyId] = useState<string>();

  async function act(threat: Threat, verb: Verb) {
    setBusyId(threat.id);
    setActionError(undefined);
    try {
      await api.send('POST', `/v1/admin/threats/${encodeURIComponent(threat.id)}/${verb}`);
      list.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusyId(undefined);
    }
  }

  return (
    <>
      <PageHeader
        title="Threats"
        description="Detections on every device. Ignoring or resolving a threat re-rates its device at once."
      />
      <form className="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="State"
          value={state}
          onChange={setState}
          options={THREAT_STATES}
          anyLabel="Any state"
        />
        <SelectField
          label="Risk"
          value={risk}
          onChange={setRisk}
          options={THREAT_RISKS}
          anyLabel="Any risk"
        />
        <TextField
          label="Threat type"
          type="search"
          value={typeIdInput}
          onChange={setTypeId}
          placeholder="app.stalkerware"
        />
      </form>
      <ErrorNotice error={actionError ?? list.error} />
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : list.data.items.length === 0 ? (
        <Empty>No threat matches these filters.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Threat</th>
                <th scope="col">Risk</th>
                <th scope="col">State</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((threat) => (
                <tr key={threat.id}>
                  <td>
                    <span className="strong">{threat.title}</span>
                    <div className="muted small">
                      <code>{threat.key}</code>
                      {threat.deviceId !== undefined && (
                        <>
                          {' · '}
                          <Link to={`/devices/${encodeURIComponent(threat.deviceId)}`}>device</Link>
                        </>
                      )}
                    </div>
                  </td>
                  <td>
                    <RiskBadge level={threat.risk} />
                  </td>
                  <td>
                    <StateBadge state={threat.state} />
                  </td>
                  <td>{formatAgo(threat.lastSeen)}</td>
                  <td className="row-actions">
                    {(canTriage ? verbsFor(threat.state) : []).map((verb) => (
                      <button
                        key={verb}
                        type="button"
                        className="btn btn-small"
                        disabled={busyId === threat.id}
                        onClick={() => act(threat, verb)}
                        aria-label={`${VERBS[verb]} ${threat.title}`}
                      >
                        {VERBS[verb]}
                      </button>
                    ))}
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
