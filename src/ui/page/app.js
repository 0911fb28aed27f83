// The dashboard page: polls /api/state (the server keeps it from the API's watch) every second,
// draws nodes with their pods, services and their endpoints as edges labelled with packet counts.
/* global cytoscape */
const cy = cytoscape({
  container: document.getElementById('graph'),
  style: [
    { selector: 'node', style: { label: 'data(label)', 'text-wrap': 'wrap', 'font-size': 10, 'text-valign': 'center', 'background-color': '#9ecae1', shape: 'round-rectangle', width: 120, height: 34 } },
    { selector: 'node.lab-node', style: { 'background-color': '#f0f0f0', 'text-valign': 'top', 'font-size': 12, 'font-weight': 'bold' } },
    { selector: 'node.pod.unready', style: { 'background-color': '#fc9272' } },
    { selector: 'node.service', style: { 'background-color': '#a1d99b', shape: 'hexagon', width: 150, height: 44 } },
    { selector: 'edge', style: { label: 'data(label)', 'font-size': 10, 'text-background-color': '#fff', 'text-background-opacity': 1, 'z-index': 1, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', width: 2, 'line-color': '#999', 'target-arrow-color': '#999' } },
    { selector: 'edge.traced', style: { 'line-color': '#d62728', 'target-arrow-color': '#d62728', width: 5 } },
    { selector: 'node.traced', style: { 'border-width': 4, 'border-color': '#d62728' } },
    { selector: 'edge#probe', style: { 'line-style': 'dashed', 'line-color': '#ff7f0e', 'target-arrow-color': '#ff7f0e', width: 3, 'z-index': 0, 'text-background-color': '#fff', 'text-background-opacity': 1 } },
  ],
});
let known = '';
let state;

function option(select, values) {
  const keep = select.value;
  select.innerHTML = values.map((v) => `<option>${v}</option>`).join('');
  if (values.includes(keep)) select.value = keep;
}

function render(s) {
  const els = [];
  for (const n of s.nodes) els.push({ data: { id: `node/${n.name}`, label: `${n.name} ${n.ip ?? ''}${n.ready ? '' : ' (NotReady)'}` }, classes: 'lab-node' });
  for (const p of s.pods.filter((p) => p.namespace === 'default')) {
    els.push({ data: { id: `pod/${p.name}`, parent: p.node ? `node/${p.node}` : undefined, label: `${p.name}\n${p.ip ?? ''}` }, classes: `pod ${p.ready ? 'ready' : 'unready'}` });
  }
  for (const v of s.services.filter((v) => v.namespace === 'default' && v.name !== 'kubernetes')) {
    els.push({ data: { id: `svc/${v.name}`, label: `${v.name} ${v.type}\n${v.clusterIP} ${v.ports.map((p) => `${p.port}${p.nodePort ? ':' + p.nodePort : ''}/${p.protocol}`).join(',')}` }, classes: 'service' });
  }
  for (const e of s.edges.filter((e) => e.service.startsWith('default/') && e.pod)) {
    const source = `svc/${e.service.slice(8)}`;
    if (cy.getElementById(source).empty() && !els.some((x) => x.data.id === source)) continue;
    els.push({ data: { id: `${source}->${e.pod}:${e.port}`, source, target: `pod/${e.pod}`, label: `${e.port}: ${e.count} ${s.counterUnit === 'packets' ? 'pkts' : 'conns'}` } });
  }
  const shape = JSON.stringify(els.map((e) => [e.data.id, e.data.parent, e.classes]));
  if (shape !== known) {
    cy.elements().remove(); // the probe edge of the last trace goes too: the picture changed
    cy.add(els.filter((e) => !e.data.source || els.some((x) => x.data.id === e.data.target)));
    cy.layout({ name: 'cose', animate: false, padding: 30, nodeRepulsion: () => 400000, idealEdgeLength: () => 120, randomize: false }).run();
    known = shape;
  } else {
    for (const e of els) cy.getElementById(e.data.id).data('label', e.data.label);
  }
  document.getElementById('unit').textContent = s.counterUnit;
  document.getElementById('title').textContent = `lab ${s.lab} (proxy mode ${s.proxyMode})`;
  const pods = s.pods.filter((p) => p.namespace === 'default').map((p) => `pod/${p.name}`);
  option(document.getElementById('from'), [...pods, ...s.nodes.map((n) => `node/${n.name}`), 'outside']);
  option(document.getElementById('to'), s.services.filter((v) => v.namespace === 'default' && v.name !== 'kubernetes').map((v) => `svc/${v.name}`));
  option(document.getElementById('fault-pod'), pods.map((p) => p.slice(4)));
  option(document.getElementById('fault-node'), s.nodes.map((n) => n.name));
  // One row per service endpoint (a service's TCP and UDP ports to the same ip:port share the DNAT counter).
  const rows = new Map(s.edges.filter((e) => e.service !== 'default/kubernetes').map((e) => [`${e.service} ${e.ip}:${e.port}`, e]));
  document.querySelector('#counters tbody').innerHTML = [...rows.values()]
    .map((e) => `<tr><td>${e.service}</td><td>${e.ip}:${e.port}</td><td>${e.pod ?? ''}</td><td class="count" data-endpoint="${e.ip}:${e.port}">${e.count}</td></tr>`)
    .join('');
}

async function refresh() {
  try {
    state = await (await fetch('/api/state')).json();
    render(state);
  } catch (e) {
    document.getElementById('unit').textContent = s.counterUnit;
  document.getElementById('title').textContent = `lost the lab: ${e.message}`;
  }
}

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await r.json();
  if (!r.ok) throw new Error(json.error);
  return json;
}

document.getElementById('trace').addEventListener('click', async () => {
  const from = document.getElementById('from').value;
  const to = document.getElementById('to').value;
  const summary = document.getElementById('trace-summary');
  summary.textContent = 'tracing...';
  cy.elements().removeClass('traced');
  try {
    const r = await post('/api/trace', { from, to });
    const lines = [];
    for (const p of r.passes) {
      lines.push(`${p.host} (${p.direction}) ${p.packet.saddr}:${p.packet.sport} -> ${p.packet.daddr}:${p.packet.dport}`);
      for (const st of p.steps) lines.push(st.kind === 'packet' ? `  [${st.hook}] ${st.table} ${st.chain}` : `    ${st.iptables ?? `${st.chain}: ${st.rule ?? 'policy'}`} => ${st.verdict ?? ''}`);
    }
    document.getElementById('trace-path').textContent = lines.join('\n');
    const who = r.answeredBy ? `answered by ${r.answeredBy.pod} (${r.answeredBy.ip}) on ${r.answeredBy.node}` : r.stopped ? `stopped on ${r.stopped.host} (${r.stopped.verdict})` : `no answer: ${r.probe.error}`;
    summary.textContent = `${from} -> ${to}: DNAT ${r.dnat.join(' -> ') || 'none'}; ${who}`;
    cy.getElementById('probe').remove();
    if (!cy.getElementById(from).empty() && !cy.getElementById(to).empty()) cy.add({ data: { id: 'probe', source: from, target: to, label: `probe :${r.sourcePort}` }, classes: 'traced' });
    cy.getElementById(from).addClass('traced');
    cy.getElementById(to).addClass('traced');
    if (r.answeredBy) {
      cy.getElementById(`pod/${r.answeredBy.pod}`).addClass('traced');
      cy.edges(`[source = "${to}"][target = "pod/${r.answeredBy.pod}"]`).addClass('traced');
    }
  } catch (e) {
    summary.textContent = `trace failed: ${e.message}`;
  }
});

for (const b of document.querySelectorAll('button[data-fault]')) {
  b.addEventListener('click', async () => {
    const kind = b.dataset.fault;
    const target = ['stopAgent', 'resumeAgent', 'linkDown', 'linkUp'].includes(kind) ? document.getElementById('fault-node').value : document.getElementById('fault-pod').value;
    const out = document.getElementById('fault-result');
    try {
      const r = await post('/api/fault', { kind, target });
      out.textContent = r.done ?? (r.details ?? []).join('; ');
    } catch (e) {
      out.textContent = `failed: ${e.message}`;
    }
  });
}

refresh();
setInterval(refresh, 1000);
