import { attackUrl, formatTime, humanize } from '../format.ts';
import { asEvidence, type Evidence, type Threat } from '../types.ts';
import { RiskBadge, StateBadge } from './ui.tsx';

/** One evidence item in words: what was observed, which indicator of which feed it matched. */
export function EvidenceRow({ evidence }: { evidence: Evidence }) {
  const provenance = evidence.provenance;
  return (
    <tr>
      <td>
        <span className="muted">{humanize(evidence.subject)}</span> <code>{evidence.observed}</code>
      </td>
      <td>
        {evidence.indicator !== undefined ? (
          <>
            <span className="muted">{evidence.indicatorKind ?? 'indicator'}</span>{' '}
            <code>{evidence.indicator}</code>
          </>
        ) : evidence.detail !== undefined ? (
          <span className="small">
            {Object.entries(evidence.detail)
              .map(([key, value]) => `${key}: ${String(value)}`)
              .join(', ')}
          </span>
        ) : (
          <span className="muted">rule</span>
        )}
      </td>
      <td>
        {provenance === undefined ? (
          <span className="muted">built-in rule</span>
        ) : (
          <>
            <strong>{provenance.feed}</strong>
            {provenance.family !== undefined && <> · {provenance.family}</>}
            <div className="muted small">
              {humanize(provenance.category)}
              {provenance.source !== undefined && <> · {provenance.source}</>}
            </div>
            {provenance.reference !== undefined && /^https?:\/\//.test(provenance.reference) && (
              <a className="small" href={provenance.reference} target="_blank" rel="noreferrer noopener">
                Reference
              </a>
            )}
          </>
        )}
      </td>
    </tr>
  );
}

/** A threat with its evidence, ATT&CK techniques and remediation steps. */
export function ThreatCard(props: { threat: Threat; overrideNote?: string | undefined }) {
  const { threat } = props;
  const evidence = threat.evidence.map(asEvidence).filter((e): e is Evidence => e !== undefined);
  return (
    <article className={`card threat threat-${threat.state}`} aria-labelledby={`threat-${threat.id}`}>
      <header className="threat-head">
        <div>
          <h3 id={`threat-${threat.id}`}>{threat.title}</h3>
          <p className="muted small">
            <code>{threat.typeId}</code> · {humanize(threat.class)}
            {threat.family !== null && <> · family {threat.family}</>} · first seen{' '}
            {formatTime(threat.firstSeen)} · last seen {formatTime(threat.lastSeen)}
            {threat.resolvedAt !== null && <> · resolved {formatTime(threat.resolvedAt)}</>}
          </p>
        </div>
        <div className="threat-badges">
          <RiskBadge level={threat.risk} />
          <StateBadge state={threat.state} />
        </div>
      </header>
      <p>{threat.summary}</p>
      {props.overrideNote !== undefined && <p className="muted small">{props.overrideNote}</p>}
      {evidence.length > 0 && (
        <div className="table-wrap">
          <table className="data compact evidence">
            <caption>Evidence</caption>
            <thead>
              <tr>
                <th scope="col">Observed</th>
                <th scope="col">Matched</th>
                <th scope="col">Feed</th>
              </tr>
            </thead>
            <tbody>
              {evidence.map((item, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: evidence items have no id and never reorder.
                <EvidenceRow key={index} evidence={item} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="threat-foot">
        {threat.attack.length > 0 && (
          <div>
            <h4>MITRE ATT&amp;CK</h4>
            {threat.attack.map((id) => (
              <a key={id} className="tag link" href={attackUrl(id)} target="_blank" rel="noreferrer noopener">
                {id}
              </a>
            ))}
          </div>
        )}
        {threat.remediation.length > 0 && (
          <div>
            <h4>How to fix it</h4>
            <ol className="steps">
              {threat.remediation.map((step) => (
                <li key={step}>{step}</li>
              ))}
            </ol>
          </div>
        )}
      </div>
    </article>
  );
}
