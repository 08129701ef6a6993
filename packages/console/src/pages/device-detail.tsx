import { useState } from 'react';
import { ThreatCard } from '../components/threat-card.tsx';
import {
  Empty,
  ErrorNotice,
  Loading,
  Notice,
  PageHeader,
  RiskBadge,
  StateBadge,
  Tag,
} from '../components/ui.tsx';
import { explainRisk } from '../explain.ts';
import { formatAgo, formatTime, humanize } from '../format.ts';
import { useConsole, useLoad } from '../hooks.tsx';
import { can } from '../role.ts';
import { Link } from '../router.tsx';
import type { DeviceDetail, Threat, ThreatType, ThreatTypesReply } from '../types.ts';

function overrideNote(threat: Threat, types: readonly ThreatType[] | undefined): string | undefined {
  const type = types?.find((t) => t.id === threat.typeId);
  if (type === undefined || !type.overridden) return undefined;
  return `Risk set by your tenant for this threat type (catalog default: ${type.defaultRisk}).`;
}

/** One device: facts, risk explained, compliance, labels, threats with evidence, history. */
export function DeviceDetailPage({ id }: { id: string }) {
  const { api, role } = useConsole();
  const detail = useLoad(() => api.get<DeviceDetail>(`/v1/admin/devices/${encodeURIComponent(id)}`), [id]);
  const types = useLoad(() => api.get<ThreatTypesReply>('/v1/admin/threat-types'), []);
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (detail.data === undefined)
    return (
      <>
        <p className="crumbs">
          <Link to="/devices">← Devices</Link>
        </p>
        <ErrorNotice error={detail.error} />
        {detail.loading && <Loading />}
      </>
    );
  const { device, threats, history } = detail.data;
  const active = threats.filter((t) => t.state === 'active');
  const closed = threats.filter((t) => t.state !== 'active');
  const failing = detail.data.compliance?.failingRules ?? [];

  async function retire() {
    if (!window.confirm(`Retire ${device.name ?? device.id}? Its signed requests are refused from now on.`))
      return;
    setBusy(true);
    setActionError(undefined);
    try {
      await api.send('POST', `/v1/admin/devices/${encodeURIComponent(device.id)}/retire`);
      detail.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  }

  const facts: [string, string][] = [
    ['User', device.user ?? '—'],
    ['Platform', `${device.platform}${device.osVersion === null ? '' : ` ${device.osVersion}`}`],
    ['Model', [device.manufacturer, device.model].filter(Boolean).join(' ') || '—'],
    ['Ownership', humanize(device.ownership)],
    ['Groups', device.groups.join(', ') || '—'],
    ['Agent', device.agentVersion ?? '—'],
    ['Enrolled', formatTime(device.enrolledAt)],
    ['Last seen', `${formatTime(device.lastSeenAt)} (${formatAgo(device.lastSeenAt)})`],
    ['Device id', device.id],
    ['Certificate (SHA-256)', device.certFingerprint],
  ];

  return (
    <>
      <p className="crumbs">
        <Link to="/devices">← Devices</Link>
      </p>
      <PageHeader
        title={device.name ?? device.model ?? device.id}
        description={
          <>
            {device.user ?? 'No user'} · {device.platform}
            {device.retiredAt !== null && <> · retired {formatTime(device.retiredAt)}</>}
          </>
        }
        actions={
          device.retiredAt === null &&
          can(role, 'devices:write') && (
            <button type="button" className="btn btn-danger" onClick={retire} disabled={busy}>
              Retire device
            </button>
          )
        }
      />
      <ErrorNotice error={actionError ?? detail.error} />
      <div className="summary-grid">
        <section className="card" aria-labelledby="risk-h">
          <h2 id="risk-h">Risk level</h2>
          <p className="big">
            <RiskBadge level={device.riskLevel} />
          </p>
          <p className="explain" data-testid="risk-explanation">
            {explainRisk(device.riskLevel, active)}
          </p>
        </section>
        <section className="card" aria-labelledby="compliance-h">
          <h2 id="compliance-h">Compliance</h2>
          <p className="big">
            <StateBadge state={device.complianceState} />
          </p>
          {failing.length > 0 ? (
            <ul className="failing">
              {failing.map((rule) => (
                <li key={`${rule.policyId ?? ''}:${rule.rule}`}>
                  <strong>{humanize(rule.rule)}</strong>: {rule.reason}
                  {rule.expected !== undefined && (
                    <span className="muted small">
                      {' '}
                      (expected {rule.expected}, found {rule.actual ?? '—'})
                    </span>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">
              {device.complianceState === 'compliant'
                ? 'Every assigned compliance policy passes.'
                : 'This server does not report the failing rules with the device yet.'}
            </p>
          )}
        </section>
        <section className="card" aria-labelledby="labels-h">
          <h2 id="labels-h">Labels</h2>
          {device.labels.length === 0 ? (
            <p className="muted">No labels.</p>
          ) : (
            <p>
              {device.labels.map((label) => (
                <Tag key={label}>{label}</Tag>
              ))}
            </p>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="facts-h">
        <h2 id="facts-h">Device facts</h2>
        <dl className="facts">
          {facts.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="active-h">
        <h2 id="active-h" className="section-title">
          Active threats <span className="count">{active.length}</span>
        </h2>
        {active.length === 0 ? (
          <Notice tone="success">No active threat on this device.</Notice>
        ) : (
          active.map((threat) => (
            <ThreatCard
              key={threat.id}
              threat={threat}
              overrideNote={overrideNote(threat, types.data?.items)}
            />
          ))
        )}
      </section>

      <section aria-labelledby="closed-h">
        <h2 id="closed-h" className="section-title">
          Resolved and ignored threats <span className="count">{closed.length}</span>
        </h2>
        {closed.length === 0 ? (
          <Empty>None.</Empty>
        ) : (
          closed.map((threat) => <ThreatCard key={threat.id} threat={threat} />)
        )}
      </section>

      <section className="card" aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        {history.length === 0 ? (
          <p className="muted">No state change recorded yet.</p>
        ) : (
          <ol className="history">
            {history.map((entry, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: history rows have no id and never reorder.
              <li key={index}>
                <time dateTime={entry.at}>{formatTime(entry.at)}</time>{' '}
                <strong>{humanize(entry.kind)}</strong>{' '}
                <span className="muted small">{describeHistory(entry.details)}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

function describeHistory(details: Readonly<Record<string, unknown>>): string {
  const from = details.from as { riskLevel?: string; complianceState?: string } | undefined;
  const to = details.to as { riskLevel?: string; complianceState?: string } | undefined;
  if (from !== undefined && to !== undefined) {
    const parts: string[] = [];
    if (from.riskLevel !== to.riskLevel) parts.push(`risk ${from.riskLevel} → ${to.riskLevel}`);
    if (from.complianceState !== to.complianceState)
      parts.push(`compliance ${from.complianceState} → ${to.complianceState}`);
    if (typeof details.reason === 'string') parts.push(details.reason);
    return parts.join(' · ');
  }
  return Object.entries(details)
    .map(([key, value]) => `${humanize(key)}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ')
    .slice(0, 200);
}
