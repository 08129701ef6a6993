import { type ChangeEvent, useState } from 'react';
import { Empty, ErrorNotice, Loading, Notice, PageHeader } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { useConsole, useLoad } from '../hooks.tsx';
import { can } from '../role.ts';

/** The intel feeds collection of the admin API. */
export const INTEL_FEEDS_PATH = '/v1/admin/intel/feeds';

interface IntelFeed {
  readonly id: string;
  readonly name: string;
  readonly format: string;
  readonly version: string | null;
  readonly digest: string | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly importedAt: string;
  readonly scope: 'tenant' | 'server';
}

interface UploadReply {
  readonly feed: IntelFeed;
  readonly reassessment: {
    readonly devicesExamined: number;
    readonly devicesWithNewThreats: number;
    readonly threatsCreated: number;
    readonly devicesChanged: number;
  } | null;
}

const COUNT_LABELS: Readonly<Record<string, string>> = {
  indicators: 'indicators',
  kev: 'exploited CVEs',
  androidVulnerabilities: 'Android vulnerabilities',
  iosReleases: 'iOS releases',
  eolCycles: 'end-of-life cycles',
  osPointReleases: 'OS point releases',
  deviceModels: 'device models',
  skippedEntries: 'skipped entries',
};

/** `12 indicators · 3 skipped entries`: the non-zero counts in words. */
export function describeCounts(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `${n.toLocaleString('en')} ${COUNT_LABELS[key] ?? key}`);
  return parts.length === 0 ? 'empty' : parts.join(' · ');
}

function uploadSummary(reply: UploadReply): string {
  const base = `Imported ${reply.feed.name} (${reply.feed.format}): ${describeCounts(reply.feed.counts)}.`;
  const r = reply.reassessment;
  if (r === null) return base;
  return `${base} Re-assessed ${r.devicesExamined} device(s): ${r.threatsCreated} new threat(s) on ${r.devicesWithNewThreats}, ${r.devicesChanged} changed risk level.`;
}

/** Intel feeds (server-wide imports and the tenant's uploads) with counts; upload and delete. */
export function IntelFeedsPage() {
  const { api, role } = useConsole();
  const canWrite = can(role, 'intel:write');
  const list = useLoad(() => api.get<{ items: IntelFeed[] }>(INTEL_FEEDS_PATH), []);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function act(run: () => Promise<string>) {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await run());
      list.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  function upload(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
    void act(async () => {
      const content = await file.text();
      return uploadSummary(
        await api.send<UploadReply>('POST', INTEL_FEEDS_PATH, { name: file.name, content }),
      );
    });
  }

  function remove(feed: IntelFeed) {
    if (!window.confirm(`Delete the feed ${feed.name}? Its indicators stop matching.`)) return;
    void act(async () => {
      await api.send('DELETE', `${INTEL_FEEDS_PATH}/${encodeURIComponent(feed.id)}`);
      return `Deleted ${feed.name}.`;
    });
  }

  return (
    <>
      <PageHeader
        title="Intel feeds"
        description="Threat intelligence the detections match against, with where it came from. The format of an upload is detected from its name and content."
        actions={
          canWrite && (
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
      ) : list.data.items.length === 0 ? (
        <Empty>No intel feed loaded.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Feed</th>
                <th scope="col">Format</th>
                <th scope="col">Contents</th>
                <th scope="col">Source</th>
                <th scope="col">Imported</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((feed) => (
                <tr key={feed.id}>
                  <td>
                    <span className="strong">{feed.name}</span>
                    {feed.version !== null && <div className="muted small">version {feed.version}</div>}
                  </td>
                  <td>
                    <code>{feed.format}</code>
                  </td>
                  <td className="small">{describeCounts(feed.counts)}</td>
                  <td>{feed.scope === 'server' ? 'server-wide' : 'uploaded'}</td>
                  <td>{formatTime(feed.importedAt)}</td>
                  <td className="row-actions">
                    {feed.scope === 'tenant' && canWrite && (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={busy}
                        onClick={() => remove(feed)}
                        aria-label={`Delete ${feed.name}`}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
