/**
 * The dashboard at `/`: one plain HTML page with a little script, no build step. It asks for
 * the token once (the contents of the token file `qms serve api` names; kept in the tab's
 * sessionStorage, or given as `#token=…`, which never reaches the server), lists the agents
 * with state, health, stats and last verification, has ensure/refresh/stop buttons, and shows
 * the live event feed (read with fetch, since EventSource cannot send the token). Every value
 * is set with textContent: evidence comes from agent-writable files.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>qms agents</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
  td.pass { color: #080; font-weight: bold; } td.fail { color: #b00; font-weight: bold; }
  tr.busy { opacity: .5; }
  #feed { font: 12px monospace; max-height: 18em; overflow: auto; background: #f6f6f6; padding: .5em; white-space: pre-wrap; }
  #error { color: #b00; }
  #evidence { max-height: 20em; overflow: auto; background: #fafafa; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>qms agents</h1>
<form id="login" hidden>
  <label>Token (the contents of the file <code>qms serve api</code> printed): <input id="token" type="password" size="70" autocomplete="off"></label>
  <button>Use</button>
</form>
<p id="error" role="alert"></p>
<table id="agents">
  <thead><tr><th>agent</th><th>state</th><th>health</th><th>image</th><th>age (h)</th><th>memory %</th><th>disk %</th><th>refresh</th><th>last verification</th><th></th></tr></thead>
  <tbody></tbody>
</table>
<pre id="evidence"></pre>
<h2>Events</h2>
<div id="feed" aria-live="polite"></div>
<script>
(function () {
  'use strict';
  var fromHash = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (fromHash) { sessionStorage.setItem('qms-api-token', decodeURIComponent(fromHash[1])); history.replaceState(null, '', location.pathname); }
  var token = sessionStorage.getItem('qms-api-token');
  var $ = function (id) { return document.getElementById(id); };
  function say(msg) { $('error').textContent = msg || ''; }
  function api(method, path) {
    return fetch(path, { method: method, headers: { authorization: 'Bearer ' + token } }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) { var e = body && body.error || {}; if (res.status === 401) askToken(); throw new Error((e.message || res.status) + (e.hint ? ' — ' + e.hint : '')); }
        return body;
      });
    });
  }
  function askToken() { $('login').hidden = false; }
  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault(); token = $('token').value.trim(); sessionStorage.setItem('qms-api-token', token); $('login').hidden = true; start();
  });
  function cell(row, text, cls) { var td = document.createElement('td'); td.textContent = text == null ? '–' : String(text); if (cls) td.className = cls; row.appendChild(td); return td; }
  function button(td, label, method, path, name) {
    var b = document.createElement('button'); b.textContent = label; b.dataset.action = label;
    b.addEventListener('click', function () {
      var tr = b.closest('tr'); tr.classList.add('busy'); say('');
      api(method, path).then(function () { return loadRow(name); }, function (e) { say(name + ': ' + e.message); }).then(function () { tr.classList.remove('busy'); });
    });
    td.appendChild(b);
  }
  function render(a, v) {
    var tr = document.createElement('tr'); tr.dataset.agent = a.agent;
    cell(tr, a.agent); cell(tr, a.state).className = 'state'; cell(tr, a.health); cell(tr, a.image);
    cell(tr, a.age_hours); cell(tr, a.memory_percent); cell(tr, a.disk_usage_percent);
    cell(tr, a.refresh.verdict + (a.refresh.reasons.length ? ' (' + a.refresh.reasons.join('; ') + ')' : ''));
    if (v) {
      var vc = cell(tr, v.result.toUpperCase() + ' ' + (v.finished_at || '') + ' ' + (v.file === null ? '(not written to the session folder) ' : v.file + (v.intact ? ' ' : ' (changed since it was written) ')), v.result);
      var show = document.createElement('button'); show.textContent = 'evidence'; show.dataset.action = 'evidence';
      show.addEventListener('click', function () {
        fetch('/api/agents/' + encodeURIComponent(a.agent) + '/verification?format=markdown', { headers: { authorization: 'Bearer ' + token } })
          .then(function (r) { return r.text(); }).then(function (t) { $('evidence').textContent = t; });
      });
      vc.appendChild(show);
    } else cell(tr, 'none');
    var actions = cell(tr, ''); actions.textContent = '';
    var base = '/api/agents/' + encodeURIComponent(a.agent);
    button(actions, 'ensure', 'POST', base + '/ensure', a.agent);
    button(actions, 'refresh', 'POST', base + '/refresh', a.agent);
    button(actions, 'stop', 'DELETE', base, a.agent);
    tr.dataset.container = a.container ? a.container.id : '';
    return tr;
  }
  function verification(name) { return api('GET', '/api/agents/' + encodeURIComponent(name) + '/verification').then(function (b) { return b.verification; }, function () { return null; }); }
  function loadRow(name) {
    return api('GET', '/api/agents').then(function (body) {
      var a = body.agents.filter(function (x) { return x.agent === name; })[0];
      return verification(name).then(function (v) {
        var old = document.querySelector('tr[data-agent="' + CSS.escape(name) + '"]');
        if (a && old) old.replaceWith(render(a, v));
      });
    });
  }
  function load() {
    return api('GET', '/api/agents').then(function (body) {
      return Promise.all(body.agents.map(function (a) { return verification(a.agent); })).then(function (vs) {
        var tbody = document.querySelector('#agents tbody'); tbody.textContent = '';
        body.agents.forEach(function (a, i) { tbody.appendChild(render(a, vs[i])); });
        document.body.dataset.loaded = 'true';
      });
    }, function (e) { say(e.message); });
  }
  function feedLine(ev) {
    var d = ev.data; var line = document.createElement('div');
    line.textContent = (d.time || '') + ' ' + ev.type + ' ' + (d.agent || '') + ' ' + (d.task || d.action || '') + ' ' + (d.phase || d.reason || d.line || '');
    $('feed').appendChild(line); $('feed').scrollTop = $('feed').scrollHeight;
    if (ev.type === 'agent' && d.phase !== 'start' && d.agent && !d.replay) loadRow(d.agent);
  }
  function events() {
    fetch('/api/events', { headers: { authorization: 'Bearer ' + token } }).then(function (res) {
      if (!res.ok || !res.body) return;
      var reader = res.body.getReader(); var dec = new TextDecoder(); var buf = '';
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buf += dec.decode(r.value, { stream: true });
          var frames = buf.split('\\n\\n'); buf = frames.pop();
          frames.forEach(function (f) {
            var type = 'message', data = '';
            f.split('\\n').forEach(function (l) { if (l.indexOf('event: ') === 0) type = l.slice(7); else if (l.indexOf('data: ') === 0) data += l.slice(6); });
            if (data) { try { feedLine({ type: type, data: JSON.parse(data) }); } catch (e) { /* not ours */ } }
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () { setTimeout(events, 3000); });
  }
  function start() { load(); events(); }
  if (!token) askToken(); else start();
})();
</script>
</body>
</html>
`;
