import type { RemediationView } from '../access/remediation-view.ts';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const RISK_WORDS: Readonly<Record<string, string>> = {
  high: 'High risk',
  medium: 'Medium risk',
  low: 'Low risk',
  none: 'Informational',
  secured: 'Secured',
};

const CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--bad:#b42318;--ok:#1a7f37;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;--bad:#ff7b72;--ok:#3fb950;--card:#161b22}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:44rem;margin:0 auto;padding:1.5rem 1rem 3rem}h1{font-size:1.6rem;margin:.5rem 0 1rem}
.status{padding:1rem;border-radius:.5rem;background:var(--card);border-left:.4rem solid var(--bad)}
.status.ok{border-color:var(--ok)}ol,ul{padding-left:1.4rem}li{margin:.25rem 0}
.threat{background:var(--card);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}.threat h3{margin:.2rem 0;font-size:1.1rem}
.risk{font-weight:600;color:var(--bad)}.muted{color:var(--muted);font-size:.9rem}
button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid var(--muted);background:var(--card);color:var(--fg);cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #0969da;outline-offset:2px}
`;

function threatsHtml(view: RemediationView): string {
  if (view.threats.length === 0) return '';
  const items = view.threats
    .map(
      (t) => `<section class="threat" aria-label="${escapeHtml(t.title)}">
<h3>${escapeHtml(t.title)}</h3><p class="risk">${escapeHtml(RISK_WORDS[t.risk] ?? t.risk)}</p>
${t.steps.length > 0 ? `<p>How to fix it:</p><ol>${t.steps.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ol>` : ''}
</section>`,
    )
    .join('\n');
  return `<h2>What to fix on this device</h2>\n${items}`;
}

function statusHtml(view: RemediationView): string {
  const resource =
    view.resource === undefined ? 'this resource' : `<strong>${escapeHtml(view.resource.name)}</strong>`;
  if (view.status === 'allowed') {
    return `<div class="status ok" role="status"><p>Your device may now use ${resource}. You can go back and try again.</p></div>`;
  }
  if (view.status === 'unknown') {
    return `<div class="status" role="status"><p>Your device could not be identified. Open the Riskgate app on your phone, make sure it is enrolled, then try again from the phone's browser.</p></div>`;
  }
  const reasons = view.reasons
    .map(
      (r) =>
        `<li>${escapeHtml(r.message)}${r.policyName === undefined ? '' : ` <span class="muted">(policy: ${escapeHtml(r.policyName)})</span>`}</li>`,
    )
    .join('');
  return `<div class="status" role="alert"><p>Access to ${resource} is blocked for this device.</p>${reasons === '' ? '' : `<ul>${reasons}</ul>`}</div>`;
}

/**
 * The remediation page: plain HTML with inline CSS and one small inline script (allowed by a
 * nonce in the Content-Security-Policy) that listens to server-sent events and reloads the page
 * when the device's state changes. Every dynamic value is escaped.
 */
export function renderRemediationPage(
  view: RemediationView,
  links: {
    readonly token: string | undefined;
    readonly eventsUrl: string | undefined;
    readonly nonce: string;
  },
): string {
  const script =
    links.eventsUrl === undefined
      ? ''
      : `<script nonce="${escapeHtml(links.nonce)}">
(function(){var v=${Number(view.version)};var es=new EventSource(${JSON.stringify(links.eventsUrl).replace(/</g, '\\u003c')});
es.addEventListener('state',function(e){try{var d=JSON.parse(e.data);if(d.version!==v){es.close();location.reload();}}catch(_){}});})();
</script>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${view.status === 'allowed' ? 'Access restored' : 'Access blocked'} · Riskgate</title><style>${CSS}</style></head>
<body><main>
<h1>${view.status === 'allowed' ? 'Access restored' : 'Why is access blocked?'}</h1>
${statusHtml(view)}
${threatsHtml(view)}
<form method="get" action="/remediation">${links.token === undefined ? '' : `<input type="hidden" name="t" value="${escapeHtml(links.token)}">`}<p><button type="submit">Check again</button></p></form>
<p class="muted" aria-live="polite">This page updates by itself when your device's state changes.</p>
${view.deviceId === undefined ? '' : `<p class="muted">Device ${escapeHtml(view.deviceId)}</p>`}
</main>${script}</body></html>`;
}
