// psup web: the dashboard's script. Everything the page shows is put in as
// text (textContent), never as HTML: app names and log lines are untrusted.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const apps = new Map();       // name -> app (the compact objects of /events)
  let order = [];               // names in the daemon's order
  let skew = 0;                 // browser clock - server clock, ms
  let updates = 0;              // live updates applied (tests wait on it)
  const rows = new Map();       // name or "group:NAME" -> <tr>
  let selected = null, logSrc = null, hist = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function dur(ms) {
    if (ms == null || ms < 0) return '';
    let s = Math.floor(ms / 1000);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
    return Math.floor(s / 86400) + 'd' + Math.floor(s / 3600) % 24 + 'h';
  }
  function bytes(b) {
    if (!b) return b === 0 ? '0' : '';
    const u = ['B', 'K', 'M', 'G', 'T'];
    let i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (i ? b.toFixed(1) : b) + u[i];
  }
  function num(n) { return n == null ? '' : Number(n).toLocaleString('en-US'); }
  function rate(r) { return r == null ? '' : (r >= 10 ? r.toFixed(0) : r.toFixed(1)) + '/s'; }
  function uptime(a) { return a.state === 'online' && a.started_at ? dur(Date.now() - skew - a.started_at) : ''; }
  function toast(msg) {
    const t = $('toast');
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
  }

  async function act(target, verb, btn) {
    btn.disabled = true;
    try {
      const r = await fetch('/api/apps/' + encodeURIComponent(target) + '/' + verb,
        { method: 'POST', credentials: 'same-origin' });
      const j = await r.json().catch(() => ({}));
      if (!r.ok) toast(verb + ' ' + target + ': ' + (j.error || r.status));
    } catch (e) {
      toast(verb + ' ' + target + ': ' + e);
    } finally {
      btn.disabled = false;
    }
  }

  function actions(td, target) {
    for (const verb of ['start', 'stop', 'restart']) {
      const b = el('button', null, verb);
      b.type = 'button';
      b.dataset.act = verb;
      b.addEventListener('click', () => act(target, verb, b));
      td.appendChild(b);
    }
  }

  // One row's cells, by key; filled by fill().
  const KEYS = ['name', 'state', 'pid', 'uptime', 'restarts', 'cpu', 'memory', 'progress', 'rate', 'eta', 'act'];
  const NUM = new Set(['pid', 'uptime', 'restarts', 'cpu', 'memory', 'rate', 'eta']);
  function makeRow(key, label, target, cls) {
    const tr = el('tr', cls);
    tr.dataset.app = key;
    for (const k of KEYS) {
      const td = el('td', (NUM.has(k) ? 'num ' : '') + k);
      tr.appendChild(td);
    }
    const nb = el('button', null, label);
    nb.type = 'button';
    nb.addEventListener('click', () => select(target));
    tr.cells[0].appendChild(nb);
    actions(tr.cells[KEYS.length - 1], target);
    const st = el('span', 'st');
    tr.cells[1].appendChild(st);
    const pr = el('progress');
    pr.hidden = true;
    tr.cells[7].appendChild(pr);
    tr.cells[7].appendChild(el('span', 'ptext'));
    return tr;
  }
  function setText(td, s) { if (td.textContent !== s) td.textContent = s; }
  function fillProgress(td, p) {
    const bar = td.firstChild, txt = td.lastChild;
    if (!p || !p.total) {
      bar.hidden = true;
      setText(txt, p ? num(p.done) : '');
      return;
    }
    bar.hidden = false;
    bar.max = p.total;
    bar.value = Math.min(p.done, p.total);
    setText(txt, num(p.done) + '/' + num(p.total) + (p.failed ? ' (' + num(p.failed) + ' failed)' : ''));
  }
  function fill(tr, a) {
    const c = tr.cells;
    const st = c[1].firstChild;
    st.className = 'st st-' + a.state;
    setText(st, a.state);
    c[1].title = a.reason || (a.progress && a.progress.note) || '';
    setText(c[2], a.pid ? String(a.pid) : '');
    setText(c[3], a.uptime != null ? a.uptime : uptime(a));
    setText(c[4], String(a.restarts));
    setText(c[5], a.cpu == null ? '' : a.cpu.toFixed(0) + '%');
    setText(c[6], bytes(a.memory));
    fillProgress(c[7], a.progress);
    setText(c[8], a.progress ? rate(a.progress.rate) : '');
    setText(c[9], a.progress && a.progress.eta_s != null ? dur(a.progress.eta_s * 1000) : '');
  }

  // A group's row sums its instances.
  function groupOf(name) { const a = apps.get(name); return a && a.group && a.group !== a.name ? a.group : null; }
  // Members reporting on one shared job (chunk workers over one queue) each
  // carry the whole job's numbers: the group shows the most advanced report,
  // not the sum (as psup status does). Members with their own work add up.
  function summarise(g) {
    const m = order.filter((n) => groupOf(n) === g).map((n) => apps.get(n));
    const states = {};
    const s = { state: '', restarts: 0, cpu: 0, memory: 0, pid: 0, uptime: '' };
    const reports = [];
    for (const a of m) {
      states[a.state] = (states[a.state] || 0) + 1;
      s.restarts += a.restarts;
      s.cpu += a.cpu || 0;
      s.memory += a.memory || 0;
      if (a.progress) reports.push(a.progress);
    }
    let p = null;
    const jobs = new Set(reports.map((r) => r.job || ''));
    if (reports.length && jobs.size === 1 && !jobs.has('')) {
      p = reports.reduce((x, r) => (r.done + (r.failed || 0) > x.done + (x.failed || 0) ? r : x));
    } else if (reports.length) {
      p = { done: 0, total: 0, failed: 0, rate: 0, eta_s: null };
      for (const r of reports) {
        p.done += r.done; p.total += r.total || 0; p.failed += r.failed || 0; p.rate += r.rate || 0;
      }
      if (p.rate > 0 && p.total > p.done) p.eta_s = Math.ceil((p.total - p.done) / p.rate);
    }
    const keys = Object.keys(states);
    s.state = keys.length === 1 ? keys[0] : keys.map((k) => states[k] + ' ' + k).join(', ');
    s.progress = p;
    return s;
  }

  function renderAll() {
    const tb = $('rows');
    const frag = document.createDocumentFragment();
    rows.clear();
    const seen = new Set();
    for (const name of order) {
      const g = groupOf(name);
      if (g && !seen.has(g)) {
        seen.add(g);
        const tr = makeRow('group:' + g, g, g, 'group');
        rows.set('group:' + g, tr);
        frag.appendChild(tr);
        fill(tr, summarise(g));
      }
      const tr = makeRow(name, name, name, g ? 'inst' : '');
      rows.set(name, tr);
      fill(tr, apps.get(name));
      if (name === selected) tr.classList.add('sel');
      frag.appendChild(tr);
    }
    tb.replaceChildren(frag);
  }

  function apply(snap) {
    skew = Date.now() - snap.t;
    const err = $('error');
    err.hidden = !snap.error;
    err.textContent = snap.error ? 'daemon: ' + snap.error : '';
    const groups = new Set();
    if (snap.full) {
      apps.clear();
      order = snap.apps.map((a) => a.name);
      for (const a of snap.apps) apps.set(a.name, a);
      renderAll();
    } else {
      for (const a of snap.apps) {
        apps.set(a.name, a);
        const tr = rows.get(a.name);
        if (tr) fill(tr, a);
        const g = groupOf(a.name);
        if (g) groups.add(g);
      }
      for (const g of groups) {
        const tr = rows.get('group:' + g);
        if (tr) fill(tr, summarise(g));
      }
    }
    const counts = {};
    for (const a of apps.values()) counts[a.state] = (counts[a.state] || 0) + 1;
    $('summary').textContent = apps.size + ' apps' +
      Object.keys(counts).sort().map((k) => ', ' + counts[k] + ' ' + k).join('');
    if (selected && member()) chartPoint(apps.get(member()), snap.t);
    updates++;
    document.body.dataset.updates = String(updates);
  }

  // The detail panel: chart and log of one app (or group).
  function select(name) {
    history.replaceState(null, '', '#app=' + encodeURIComponent(name));
    if (selected) { const o = rows.get(selected); if (o) o.classList.remove('sel'); }
    selected = name;
    const tr = rows.get(name);
    if (tr) tr.classList.add('sel');
    $('detail').hidden = false;
    $('d-name').textContent = name;
    openLog();
    hist = null;
    $('chart-box').hidden = true;
    const shown = member();
    if (shown) {
      fetch('/api/apps/' + encodeURIComponent(shown) + '/history', { credentials: 'same-origin' })
        .then((r) => r.ok ? r.json() : null)
        .then((h) => { if (selected === name && h) { hist = h; drawChart(); } })
        .catch(() => {});
    }
  }
  // The app the panel shows: the one selected, or a selected group's first.
  function member() {
    return apps.has(selected) ? selected : order.find((n) => groupOf(n) === selected);
  }
  function closeDetail() {
    if (logSrc) logSrc.close();
    logSrc = null;
    if (selected) { const o = rows.get(selected); if (o) o.classList.remove('sel'); }
    selected = null;
    $('detail').hidden = true;
    history.replaceState(null, '', location.pathname);
  }
  function openLog() {
    if (logSrc) logSrc.close();
    const pre = $('log');
    pre.replaceChildren();
    const name = member();
    if (!name) return;
    $('d-logstate').textContent = name !== selected ? '(' + name + ')' : '';
    logSrc = new EventSource('/api/apps/' + encodeURIComponent(name) + '/logs?stream=' + $('d-stream').value);
    logSrc.addEventListener('lines', (ev) => {
      const lines = JSON.parse(ev.data);
      if (!lines.length) return;
      pre.appendChild(document.createTextNode(lines.join('\n') + '\n'));
      while (pre.childNodes.length > 400) pre.removeChild(pre.firstChild);
      if ($('d-follow').checked) pre.scrollTop = pre.scrollHeight;
    });
  }
  function chartPoint(a, t) {
    if (!hist || !a.progress) return;
    const last = hist.t.length ? hist.t[hist.t.length - 1] : 0;
    if (t - last < hist.step_ms) return;
    hist.t.push(t); hist.done.push(a.progress.done); hist.failed.push(a.progress.failed || 0);
    hist.total.push(a.progress.total || 0); hist.rate.push(a.progress.rate);
    while (hist.t.length && hist.t[0] < t - 3600e3) for (const k of ['t', 'done', 'failed', 'total', 'rate']) hist[k].shift();
    drawChart();
  }
  function drawChart() {
    const box = $('chart-box');
    if (!hist || !hist.t.length) { box.hidden = true; return; }
    box.hidden = false;
    const cv = $('chart'), g = cv.getContext('2d');
    const W = cv.width, H = cv.height, L = 60, R = 60, T = 14, B = 24;
    g.clearRect(0, 0, W, H);
    const t1 = hist.t[hist.t.length - 1], t0 = Math.min(hist.t[0], t1 - 60e3);
    const maxDone = Math.max(1, ...hist.total, ...hist.done);
    const maxRate = Math.max(1e-9, ...hist.rate.filter((r) => r != null));
    const x = (t) => L + (W - L - R) * (t - t0) / Math.max(1, t1 - t0);
    g.strokeStyle = '#26303a'; g.fillStyle = '#7d8a96'; g.font = '11px sans-serif';
    for (let i = 0; i <= 4; i++) {
      const y = T + (H - T - B) * i / 4;
      g.beginPath(); g.moveTo(L, y); g.lineTo(W - R, y); g.stroke();
      g.textAlign = 'right'; g.fillText(num(Math.round(maxDone * (4 - i) / 4)), L - 6, y + 4);
      g.textAlign = 'left'; g.fillText(rate(maxRate * (4 - i) / 4), W - R + 6, y + 4);
    }
    g.textAlign = 'center';
    g.fillText(dur(t1 - t0) + ' ago', L + 20, H - 6);
    g.fillText('now', W - R, H - 6);
    function line(vals, max, color) {
      g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
      let on = false;
      vals.forEach((v, i) => {
        if (v == null) { on = false; return; }
        const px = x(hist.t[i]), py = T + (H - T - B) * (1 - v / max);
        if (on) g.lineTo(px, py); else g.moveTo(px, py);
        on = true;
      });
      g.stroke(); g.lineWidth = 1;
    }
    line(hist.done, maxDone, '#3fb950');
    line(hist.rate, maxRate, '#58a6ff');
    const a = apps.get(member());
    const p = a && a.progress;
    $('d-eta').textContent = 'green: done (left axis), blue: rate (right axis)' +
      (p && p.eta_s != null ? ' · ETA ' + dur(p.eta_s * 1000) : '');
  }

  // The job view: the store's counts (items by state, failures by error)
  // and the requests its workers report (status classes, latency, tokens).
  function kvBox(pairs) {
    const kv = el('div', 'kv');
    for (const [k, v] of pairs) {
      const c = el('div', null);
      c.appendChild(el('b', null, v));
      c.appendChild(el('span', 'muted', k));
      kv.appendChild(c);
    }
    return kv;
  }
  // A table of rows (objects) under the given [heading, key, format] columns.
  function table(cols, list) {
    const t = el('table');
    const h = el('tr');
    for (const [k, , f] of cols) h.appendChild(el('th', f === 's' ? null : 'num', k));
    t.appendChild(h);
    for (const o of list) {
      const r = el('tr');
      for (const [, key, f] of cols) r.appendChild(el('td', f === 's' ? null : 'num', f ? fmt(f, o[key]) : o[key]));
      t.appendChild(r);
    }
    return t;
  }
  function ms(v) { return v == null ? '' : v >= 1000 ? (v / 1000).toFixed(2) + 's' : Math.round(v) + 'ms'; }
  function usd(v) { return v ? '$' + (v >= 100 ? v.toFixed(0) : v.toFixed(v >= 1 ? 2 : 4)) : ''; }
  function pct(v) { return v == null ? '' : (100 * v).toFixed(1) + '%'; }
  function money(v) { return v == null ? '' : v >= 100 ? v.toFixed(0) : v.toFixed(v >= 1 ? 2 : 4); }
  function fmt(f, v) {
    return f === 'n' ? num(v) : f === 'ms' ? ms(v) : f === '$' ? usd(v) : f === 'c' ? money(v) : f === '%' ? pct(v) :
      v == null ? '' : String(v);
  }
  function storeCounts(d, s) {
    const failed = (s.errors || []);
    const n429 = failed.filter((e) => e.http_status === 429).reduce((x, e) => x + e.count, 0);
    const pairs = [['total', num(s.total)], ['pending', num(s.pending)], ['leased', num(s.leased)],
      ['done', num(s.done)], ['failed', num(s.failed)], ['attempts', num(s.attempts)],
      ['retries', num(Math.max(0, s.attempts - s.done - s.failed - s.leased))],
      ['429 of failed', s.failed ? (100 * n429 / s.failed).toFixed(1) + '%' : '0%'],
      ['tokens', num(s.tokens)], ['items/s', s.items_per_s ? s.items_per_s.toFixed(1) : '']];
    if (s.limits) {
      // With several endpoints the job's own rate covers them all.
      const several = Array.isArray(s.endpoint_requests) && s.endpoint_requests.length > 1;
      pairs.push([several ? 'rpm, all endpoints' : 'rpm', num(Math.round(s.limits.rpm)) +
        (s.limits.api_rpm ? ' (API ' + num(Math.round(s.limits.api_rpm)) + ')' : '')]);
    }
    // The job file's prices are in any currency: the spend has no symbol.
    if (s.cost) pairs.push(['spent', money(s.cost)], ['projected for all items', money(s.projected_cost)]);
    d.appendChild(kvBox(pairs));
    if (failed.length) {
      d.appendChild(table([['failed items', 'count', 'n'], ['HTTP', 'http_status', 's'], ['error', 'error', 's']],
        failed.map((e) => ({ count: e.count, http_status: e.http_status || '-', error: e.error || '' }))));
    }
  }
  // A job's endpoints (psup web joins status's two lists by name): what the
  // workers counted of the requests, and what the store's items cost.
  const epCols = [['endpoint', 'name', 's'], ['requests', 'requests', 'n'], ['2xx', 'req_2xx', 'n'],
    ['429', 'req_429', 'n'], ['429 share', 'share_429', '%'], ['5xx', 'req_5xx', 'n'], ['other', 'req_other', 'n'],
    ['no answer', 'no_answer', 'n'], ['p50', 'p50_ms', 'ms'], ['p95', 'p95_ms', 'ms'], ['tokens', 'tokens', 'n'],
    ['items', 'items', 'n'], ['ok', 'ok', 'n'], ['cost', 'cost', 'c'], ['rpm paced / API allows', 'rate', 's']];
  function endpoints(d, eps) {
    const rpm = (v) => v ? num(Math.round(v)) : '-';
    const rows = eps.map((e) => Object.assign({}, e, {
      name: e.name == null ? '(request)' : e.name,
      rate: e.rpm == null ? '' : rpm(e.rpm) + ' / ' + rpm(e.api_rpm),
    }));
    d.appendChild(el('div', 'muted', 'endpoints'));
    const t = table(epCols, rows);
    t.classList.add('eps');
    d.appendChild(t);
  }
  const reqCols = [['app', 'app', 's'], ['requests', 'requests', 'n'], ['2xx', 'req_2xx', 'n'], ['4xx', 'req_4xx', 'n'],
    ['429', 'req_429', 'n'], ['5xx', 'req_5xx', 'n'], ['other', 'req_other', 'n'], ['retries', 'retries', 'n'],
    ['p50', 'lat_p50_ms', 'ms'], ['p95', 'lat_p95_ms', 'ms'], ['p99', 'lat_p99_ms', 'ms'],
    ['tokens', 'tokens', 'n'], ['cost', 'cost_usd', '$']];
  function requestStats(d, q) {
    const pairs = [['requests', num(q.requests)], ['2xx', num(q.req_2xx)], ['4xx', num(q.req_4xx)],
      ['429', num(q.req_429)], ['429 share', pct(q.share_429)], ['5xx', num(q.req_5xx)],
      ['no answer/other', num(q.req_other)], ['retries', num(q.retries)],
      ['latency p50 / p95 / p99', ms(q.lat_p50_ms) + ' / ' + ms(q.lat_p95_ms) + ' / ' + ms(q.lat_p99_ms)],
      ['tokens' + (q.tokens_in || q.tokens_out ? ' (in / out)' : ''),
        num(q.tokens) + (q.tokens_in || q.tokens_out ? ' (' + num(q.tokens_in) + ' / ' + num(q.tokens_out) + ')' : '')]];
    if (q.cost_usd) pairs.push(['cost', usd(q.cost_usd)]);
    const box = kvBox(pairs);
    box.classList.add('req');
    d.appendChild(box);
    if (q.apps.length > 1) {
      const cols = q.cost_usd ? reqCols : reqCols.filter((c) => c[1] !== 'cost_usd');
      d.appendChild(table(cols, q.apps.map((a) => Object.assign({}, a, { cost_usd: a.cost_uusd / 1e6 }))));
      d.appendChild(el('div', 'muted', 'the job\'s percentiles are its slowest worker\'s'));
    }
  }
  function renderJobs(jobs) {
    const box = $('jobs-body');
    $('jobs').hidden = !jobs.length;
    box.replaceChildren();
    for (const j of jobs) {
      const d = el('div', 'job');
      d.appendChild(el('div', null, j.store || 'job ' + j.job));
      d.appendChild(el('div', 'muted', 'apps: ' + j.apps.join(', ')));
      if (j.error) d.appendChild(el('div', 'muted', j.error));
      if (j.status) storeCounts(d, j.status);
      if (j.endpoints) endpoints(d, j.endpoints);
      if (j.requests) requestStats(d, j.requests);
      box.appendChild(d);
    }
  }

  function connect() {
    const es = new EventSource('/events');
    const conn = $('conn');
    es.onopen = () => { conn.textContent = 'live'; conn.className = 'conn on'; };
    es.onerror = () => { conn.textContent = 'reconnecting'; conn.className = 'conn off'; };
    es.addEventListener('apps', (ev) => apply(JSON.parse(ev.data)));
    es.addEventListener('jobs', (ev) => renderJobs(JSON.parse(ev.data)));
  }

  $('d-close').addEventListener('click', closeDetail);
  $('d-stream').addEventListener('change', openLog);
  setInterval(() => {
    for (const name of order) {
      const a = apps.get(name), tr = rows.get(name);
      if (a && tr && a.state === 'online') setText(tr.cells[3], uptime(a));
    }
  }, 1000);

  const boot = $('boot');
  if (boot) {
    const b = JSON.parse(boot.textContent);
    apply(b.apps);
    renderJobs(b.jobs);
    updates = 0;
    document.body.dataset.updates = '0';
  }
  connect();
  // #app=NAME opens that app's chart and log: a link to share or bookmark.
  const m = /^#app=(.+)$/.exec(location.hash);
  if (m) {
    try { select(decodeURIComponent(m[1])); } catch (e) { /* a mangled link: no panel */ }
  }
}());
