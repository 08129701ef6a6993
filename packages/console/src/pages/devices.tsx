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
  Tag,
  TextField,
} from '../components/ui.tsx';
import { formatAgo } from '../format.ts';
import { useConsole, useCursorPaging, useDebounced, useLoad } from '../hooks.tsx';
import { Link } from '../router.tsx';
import { COMPLIANCE_STATES, type Device, type Page, RISK_LEVELS } from '../types.ts';

const PAGE_SIZE = 25;

/** The device list: search by user or model, filter by risk, compliance and label. */
export function DevicesPage() {
  const { api } = useConsole();
  const [user, setUser] = useState('');
  const [model, setModel] = useState('');
  const [label, setLabel] = useState('');
  const [riskLevel, setRiskLevel] = useState('');
  const [complianceState, setComplianceState] = useState('');
  const [includeRetired, setIncludeRetired] = useState(false);
  const typed = useDebounced({ user: user.trim(), model: model.trim(), label: label.trim() });
  const filterKey = JSON.stringify([typed, riskLevel, complianceState, includeRetired]);
  const paging = useCursorPaging(filterKey);
  const list = useLoad(
    () =>
      api.get<Page<Device>>('/v1/admin/devices', {
        ...typed,
        riskLevel,
        complianceState,
        includeRetired: includeRetired ? true : undefined,
        limit: PAGE_SIZE,
        after: paging.after,
      }),
    [filterKey, paging.after],
  );

  return (
    <>
      <PageHeader
        title="Devices"
        description="Every enrolled device with its risk level, compliance and labels."
      />
      <form className="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <TextField
          label="User"
          type="search"
          value={user}
          onChange={setUser}
          placeholder="alice@example.com"
        />
        <TextField label="Model" type="search" value={model} onChange={setModel} placeholder="Pixel 9" />
        <SelectField
          label="Risk level"
          value={riskLevel}
          onChange={setRiskLevel}
          options={RISK_LEVELS}
          anyLabel="Any risk"
        />
        <SelectField
          label="Compliance"
          value={complianceState}
          onChange={setComplianceState}
          options={COMPLIANCE_STATES}
          anyLabel="Any state"
        />
        <TextField label="Label" value={label} onChange={setLabel} placeholder="MTD - High Risk" />
        <label className="field checkbox">
          <input
            type="checkbox"
            checked={includeRetired}
            onChange={(e) => setIncludeRetired(e.target.checked)}
          />
          <span>Include retired</span>
        </label>
      </form>
      <ErrorNotice error={list.error} />
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : list.data.items.length === 0 ? (
        <Empty>No device matches these filters.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">User</th>
                <th scope="col">Risk</th>
                <th scope="col">Compliance</th>
                <th scope="col">Labels</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((device) => (
                <tr key={device.id} className={device.retiredAt === null ? undefined : 'retired'}>
                  <td>
                    <Link to={`/devices/${encodeURIComponent(device.id)}`} className="strong">
                      {device.name ?? device.model ?? device.id}
                    </Link>
                    <div className="muted small">
                      {[device.manufacturer, device.model, device.platform, device.osVersion]
                        .filter(Boolean)
                        .join(' · ')}
                      {device.retiredAt !== null && ' · retired'}
                    </div>
                  </td>
                  <td>{device.user ?? <span className="muted">—</span>}</td>
                  <td>
                    <RiskBadge level={device.riskLevel} />
                  </td>
                  <td>
                    <StateBadge state={device.complianceState} />
                  </td>
                  <td>
                    {device.labels.map((l) => (
                      <Tag key={l}>{l}</Tag>
                    ))}
                  </td>
                  <td title={device.lastSeenAt ?? undefined}>{formatAgo(device.lastSeenAt)}</td>
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
