#include "server/ui/live_page.h"

namespace sundial::ui {

const std::string_view kLivePageHtml = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sundial — live topic</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
  form { display: flex; gap: .5rem; flex-wrap: wrap; margin-bottom: 1rem; }
  input { padding: .3rem; }
  #status { color: #555; margin-bottom: .5rem; }
  #events { list-style: none; padding: 0; }
  #events li { border-top: 1px solid #ddd; padding: .4rem 0; }
  .type { font-weight: 600; }
  .seq { color: #777; margin-right: .5rem; }
  pre { margin: .2rem 0 0; white-space: pre-wrap; word-break: break-word; }
</style>
</head>
<body>
<h1>Live topic</h1>
<form id="connect">
  <input id="topic" placeholder="topic" required pattern="[A-Za-z0-9._-]{1,100}">
  <input id="admin" type="password" placeholder="admin token (mints a stream token)">
  <input id="since" placeholder="since (seq, optional)" size="14">
  <button type="submit">Watch</button>
</form>
<div id="status">not connected</div>
<ul id="events"></ul>
<script src="/live.js"></script>
</body>
</html>
)html";

const std::string_view kLivePageScript = R"js('use strict';
// Sundial's live page: shows one topic's events as they arrive.
const $ = (id) => document.getElementById(id);
let source = null;
let lastId = null;

function status(text) { $('status').textContent = text; }

function show(event) {
  const item = document.createElement('li');
  item.dataset.seq = event.lastEventId;
  const seq = document.createElement('span');
  seq.className = 'seq';
  seq.textContent = '#' + event.lastEventId;
  let data = null;
  try { data = JSON.parse(event.data); } catch (e) { data = event.data; }
  const type = document.createElement('span');
  type.className = 'type';
  type.textContent = data && data.type ? data.type : 'message';
  const body = document.createElement('pre');
  body.textContent = typeof data === 'string' ? data : JSON.stringify(data.data !== undefined ? data.data : data, null, 2);
  item.append(seq, type, body);
  $('events').prepend(item);
  lastId = event.lastEventId;
}

async function mint(topic, admin) {
  const r = await fetch('/api/v1/stream-tokens', {
    method: 'POST',
    headers: { 'Authorization': 'Bearer ' + admin, 'Content-Type': 'application/json' },
    body: JSON.stringify({ topics: [topic] }),
  });
  const answer = await r.json();
  if (!r.ok) throw new Error(answer.error ? answer.error.message : 'HTTP ' + r.status);
  return answer.token;
}

function watch(topic, token, since) {
  if (source) source.close();
  // as=message: every event reaches onmessage, whatever its type (the
  // type is in the data).
  const params = new URLSearchParams({ as: 'message' });
  if (token) params.set('access_token', token);
  if (lastId !== null) params.set('since', lastId);
  else if (since !== '') params.set('since', since);
  source = new EventSource('/api/v1/topics/' + encodeURIComponent(topic) + '/stream?' + params);
  source.onopen = () => status('watching ' + topic);
  source.onerror = () => status('disconnected from ' + topic + '; reconnecting…');
  source.onmessage = show;
}

$('connect').addEventListener('submit', async (e) => {
  e.preventDefault();
  const topic = $('topic').value.trim();
  try {
    const admin = $('admin').value;
    const token = admin ? await mint(topic, admin) : null;
    watch(topic, token, $('since').value.trim());
  } catch (err) {
    status('cannot watch ' + topic + ': ' + err.message);
  }
});

const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get('topic')) {
  $('topic').value = hash.get('topic');
  watch(hash.get('topic'), hash.get('token'), hash.get('since') || '');
}
)js";

}  // namespace sundial::ui
