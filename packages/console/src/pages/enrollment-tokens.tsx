import { type FormEvent, useState } from 'react';
import {
  Empty,
  ErrorNotice,
  Loading,
  Notice,
  PageHeader,
  SelectField,
  TextField,
} from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { useConsole, useLoad } from '../hooks.tsx';
import { can } from '../role.ts';
import type { CreatedEnrollmentToken, EnrollmentToken } from '../types.ts';

function tokenStatus(token: EnrollmentToken, now: Date): string {
  if (token.revokedAt !== null) return 'revoked';
  if (new Date(token.expiresAt) <= now) return 'expired';
  if (token.usesLeft !== null && token.usesLeft <= 0) return 'used up';
  return 'active';
}

/** Enrollment tokens: create one (shown once), list, revoke. */
export function EnrollmentTokensPage() {
  const { api, role } = useConsole();
  const canWrite = can(role, 'enrollment:write');
  const list = useLoad(() => api.get<{ items: EnrollmentToken[] }>('/v1/admin/enrollment-tokens'), []);
  const [ownership, setOwnership] = useState('corporate');
  const [groups, setGroups] = useState('');
  const [hours, setHours] = useState('72');
  const [maxUses, setMaxUses] = useState('1');
  const [created, setCreated] = useState<CreatedEnrollmentToken>();
  const [error, setError] = useState<unknown>();
  const [copied, setCopied] = useState(false);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setCopied(false);
    try {
      const body = {
        ownership,
        groups: groups
          .split(',')
          .map((g) => g.trim())
          .filter((g) => g !== ''),
        expiresInHours: Number(hours),
        maxUses: maxUses.trim() === '' ? null : Number(maxUses),
      };
      setCreated(await api.send<CreatedEnrollmentToken>('POST', '/v1/admin/enrollment-tokens', body));
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  async function revoke(token: EnrollmentToken) {
    if (!window.confirm(`Revoke enrollment token ${token.prefix}…?`)) return;
    setError(undefined);
    try {
      await api.send('DELETE', `/v1/admin/enrollment-tokens/${encodeURIComponent(token.id)}`);
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const now = new Date();
  return (
    <>
      <PageHeader
        title="Enrollment tokens"
        description="Hand a token to a device (or the agent) to enroll it."
      />
      {canWrite && (
        <section className="card" aria-labelledby="new-token-h">
          <h2 id="new-token-h">New token</h2>
          <form className="inline-form" onSubmit={create}>
            <SelectField
              label="Ownership"
              value={ownership}
              onChange={setOwnership}
              options={['corporate', 'personal']}
            />
            <TextField
              label="Groups (comma separated)"
              value={groups}
              onChange={setGroups}
              placeholder="sales, emea"
            />
            <TextField label="Expires in (hours)" type="number" value={hours} onChange={setHours} required />
            <TextField
              label="Max uses (empty: unlimited)"
              type="number"
              value={maxUses}
              onChange={setMaxUses}
            />
            <button type="submit" className="btn btn-primary">
              Create token
            </button>
          </form>
          {created !== undefined && (
            <Notice tone="success">
              <p>
                <strong>Copy this token now: it is shown only once.</strong>
              </p>
              <div className="secret">
                <code data-testid="created-token">{created.token}</code>
                <button type="button" className="btn btn-small" onClick={() => copy(created.token)}>
                  {copied ? 'Copied' : 'Copy'}
                </button>
              </div>
            </Notice>
          )}
        </section>
      )}
      <ErrorNotice error={error ?? list.error} />
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : list.data.items.length === 0 ? (
        <Empty>No enrollment token yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Token</th>
                <th scope="col">Ownership</th>
                <th scope="col">Groups</th>
                <th scope="col">Uses left</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((token) => {
                const status = tokenStatus(token, now);
                return (
                  <tr key={token.id}>
                    <td>
                      <code>{token.prefix}…</code>
                      <div className="muted small">created {formatTime(token.createdAt)}</div>
                    </td>
                    <td>{token.ownership}</td>
                    <td>{token.groups.join(', ') || '—'}</td>
                    <td>
                      {token.usesLeft === null ? 'unlimited' : `${token.usesLeft} of ${token.maxUses ?? '?'}`}
                    </td>
                    <td>{formatTime(token.expiresAt)}</td>
                    <td>
                      <span className={`badge state state-${status === 'active' ? 'compliant' : 'unknown'}`}>
                        {status}
                      </span>
                    </td>
                    <td className="row-actions">
                      {status === 'active' && canWrite && (
                        <button type="button" className="btn btn-small" onClick={() => revoke(token)}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
