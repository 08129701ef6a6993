/**
 * A self-contained API docs page: fetches /openapi.json and lists every operation with its
 * parameters, body and replies. No CDN (deployments may have no internet).
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Riskgate API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1rem 2rem;color:#1b1f24}
h1{margin-bottom:0}.op{border:1px solid #d0d7de;border-radius:6px;margin:.6rem 0;padding:.2rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0969da}.post{color:#1a7f37}.put,.patch{color:#9a6700}.delete{color:#cf222e}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:24rem}summary{cursor:pointer}
</style></head><body>
<h1>Riskgate API</h1><p id="info">Loading <a href="/openapi.json">/openapi.json</a>…</p><div id="ops"></div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(spec=>{
  document.getElementById('info').textContent=(spec.info.description||'')+' (OpenAPI '+spec.openapi+', version '+spec.info.version+')';
  const root=document.getElementById('ops');
  for(const [path,ops] of Object.entries(spec.paths||{})){
    for(const [method,op] of Object.entries(ops)){
      const d=document.createElement('details');d.className='op';
      const s=document.createElement('summary');
      const m=document.createElement('span');m.className='m '+method;m.textContent=method;
      s.append(m,document.createTextNode(' '+path+(op.summary?' — '+op.summary:'')));
      const pre=document.createElement('pre');
      pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses,security:op.security},null,2);
      d.append(s,pre);root.append(d);
    }
  }
}).catch(e=>{document.getElementById('info').textContent='Could not load the spec: '+e});
</script></body></html>`;
