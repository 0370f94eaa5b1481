// views/overview.js: #/overview: counts by status and by type, the last
// hour's activity, recent failures, timers coming due, queues, schedules
// and topics. Re-read at most once a second while events arrive; the
// stats (a walk of the whole index on the server) at most every 5 s.

import { h, replace, timeEl, duration, firstLine, throttle, enc } from '../dom.js';
import * as api from '../api.js';
import { INSTANCE_STATUSES, badge, table, td, idCell, section, errorNote } from '../widgets.js';
import { activityChart } from '../chart.js';

const STATS_EVERY_MS = 5000;

export function mount(root, { features }) {
  document.title = 'Overview — Sundial';
  const parts = {
    counts: section('Instances by status', 'ov-counts'),
    types: section('By workflow type', 'ov-types'),
    activity: section('Last hour', 'ov-activity'),
    failures: section('Failed instances, newest first', 'ov-failures'),
    timers: section('Timers coming due', 'ov-timers'),
    queues: section('Queues', 'ov-queues'),
    schedules: section('Next schedule fires', 'ov-schedules'),
    topics: section('Topics', 'ov-topics'),
  };
  replace(root, h('h1', { tabindex: '-1' }, 'Overview'),
    h('div', { class: 'overview-grid' }, Object.values(parts).map((p) => p.el)));
  for (const p of Object.values(parts)) p.body.append(h('p', { class: 'loading' }, 'Loading…'));

  // The stats walk every instance's index key on the server: one read per
  // STATS_EVERY_MS at most, the refresh after it shows the newer counts.
  let statsRead = null;
  let statsAt = 0;
  let statsTimer = null;
  function stats() {
    const age = Date.now() - statsAt;
    if (statsRead && age < STATS_EVERY_MS) {
      if (!statsTimer) statsTimer = setTimeout(() => { statsTimer = null; later(); }, STATS_EVERY_MS - age);
      return statsRead;
    }
    statsAt = Date.now();
    statsRead = api.get('/api/v1/stats');
    statsRead.catch(() => { statsAt = 0; });
    return statsRead;
  }

  const loads = {
    stats,
    failures: () => api.get('/api/v1/instances', { status: 'failed', order: 'desc', limit: 5 }),
    timers: () => api.get('/api/v1/timers', { limit: 10 }),
    queues: () => features.queues === false ? null : api.get('/api/v1/queues'),
    schedules: () => features.schedules === false ? null : api.get('/api/v1/schedules', { limit: 10 }),
    topics: () => features.topics === false ? null : api.get('/api/v1/topics'),
  };

  let generation = 0;
  let disposed = false;

  // Shows what render() builds in a section, hides it on 404 (or when
  // render returns null), or shows the error.
  function fill(part, result, render) {
    if (result.status === 'rejected') {
      const err = result.reason;
      part.el.hidden = err.status === 404;
      replace(part.body, errorNote(err));
      return;
    }
    const content = result.value === null ? null : render(result.value);
    part.el.hidden = content === null;
    if (content !== null) replace(part.body, content);
  }

  async function refresh() {
    const mine = ++generation;
    const names = Object.keys(loads);
    const results = await Promise.allSettled(names.map((n) => loads[n]()));
    if (disposed || mine !== generation) return;
    const r = Object.fromEntries(names.map((n, i) => [n, results[i]]));
    fill(parts.counts, r.stats, renderCounts);
    fill(parts.types, r.stats, (s) => s.by_type ? renderTypes(s.by_type) : null);
    fill(parts.activity, r.stats, (s) => s.activity ? renderActivity(s.activity) : null);
    fill(parts.failures, r.failures, renderFailures);
    fill(parts.timers, r.timers, renderTimers);
    fill(parts.queues, r.queues, renderQueues);
    fill(parts.schedules, r.schedules, renderSchedules);
    fill(parts.topics, r.topics, renderTopics);
  }

  const later = throttle(refresh, 1000);
  refresh();
  return {
    refresh: later,
    onEvent: later,
    dispose() { disposed = true; later.cancel(); clearTimeout(statsTimer); },
  };
}

function renderCounts(stats) {
  const counts = stats.instances || {};
  const cards = INSTANCE_STATUSES.map((s) => h('li', {},
    h('a', { class: 'card status-card card-' + s, href: '#/instances?status=' + s, dataset: { status: s } },
      h('span', { class: 'card-count' }, String(counts[s] ?? 0)), h('span', { class: 'card-label' }, s))));
  const timers = h('p', { class: 'muted' }, `${stats.pending_timers ?? 0} pending timers`,
    stats.next_due_at ? [', the next due ', timeEl(stats.next_due_at)] : null, '.');
  return [h('ul', { class: 'cards', id: 'status-cards' }, cards), timers];
}

function renderTypes(byType) {
  const types = Object.keys(byType).sort();
  const statuses = INSTANCE_STATUSES.filter((s) => types.some((t) => byType[t][s]));
  const rows = types.map((t) => {
    const counts = byType[t] || {};
    const total = Object.values(counts).reduce((a, b) => a + (Number(b) || 0), 0);
    return h('tr', { dataset: { type: t } },
      h('th', { scope: 'row' }, h('a', { href: '#/instances?type=' + enc(t) }, t)),
      statuses.map((s) => h('td', { class: 'num' }, counts[s]
        ? h('a', { href: `#/instances?type=${enc(t)}&status=${s}`, 'aria-label': `${counts[s]} ${s} ${t}` }, String(counts[s]))
        : '0')),
      h('td', { class: 'num' }, String(total)));
  });
  return table({ id: 'type-table', label: 'Instances by workflow type and status', columns: ['Type', ...statuses.map((s) => ({ label: s, class: 'num' })), { label: 'Total', class: 'num' }], rows, empty: 'No instances yet.' });
}

function renderActivity(a) {
  const since = a.counting_since && a.counting_since > Date.now() - 3600000
    ? h('p', { class: 'muted' }, 'Counted since the server started, ', timeEl(a.counting_since), '.') : null;
  const total = (label, n, cls) => h('li', { class: 'stat ' + cls }, h('span', { class: 'stat-count' }, String(n ?? 0)), ' ', label);
  return [
    h('ul', { class: 'stats-row', id: 'activity-totals' },
      total('started', a.started, 'started'), total('completed', a.completed, 'completed'), total('failed', a.failed, 'failed')),
    activityChart(a.buckets || [], a.bucket_ms || 60000),
    since,
  ];
}

function renderFailures(page) {
  const rows = (page.instances || []).map((i) => h('tr', { dataset: { instanceId: i.id } },
    td(idCell(i.id)), td(i.type), h('td', { class: 'error-text', title: i.last_error || '' }, firstLine(i.last_error || '—')),
    td(timeEl(i.updated_at, { abs: 'wide' }))));
  return [table({ id: 'failures-table', label: 'Recent failures', columns: ['Instance', 'Type', 'Error', 'Updated'], rows, empty: 'No failed instances.' }),
    h('p', {}, h('a', { href: '#/instances?status=failed&order=desc' }, 'All failed instances'))];
}

function renderTimers(answer) {
  const rows = (answer.timers || []).map((t) => h('tr', {},
    td(t.instance_id !== undefined ? idCell(t.instance_id) : h('span', {}, 'task ', h('span', { class: 'mono wrap' }, t.task_id))),
    td(timeEl(t.due_at))));
  return table({ id: 'timers-table', label: 'Timers coming due', columns: ['For', 'Due'], rows, empty: 'No pending timers.' });
}

function renderQueues(answer) {
  const rows = (answer.queues || []).map((q) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: '#/queues/' + enc(q.queue) }, q.queue), q.paused ? [' ', badge('paused')] : null),
    ['pending', 'running', 'queued', 'failed'].map((k) => h('td', { class: 'num' }, String(q[k] ?? 0))),
    td(q.oldest_pending_age_ms === null || q.oldest_pending_age_ms === undefined ? '—' : duration(q.oldest_pending_age_ms))));
  return table({ id: 'queues-overview', label: 'Queue depths', columns: ['Queue', ...['Pending', 'Running', 'Queued', 'Failed'].map((l) => ({ label: l, class: 'num' })), 'Oldest pending'], rows, empty: 'No queues.' });
}

function renderSchedules(answer) {
  const list = (answer.schedules || []).slice().sort((a, b) => nextOf(a) - nextOf(b));
  const rows = list.map((s) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: '#/schedules/' + enc(s.id) }, s.id)),
    td(s.paused ? badge('paused') : timeEl(s.next && s.next[0]))));
  const more = answer.next_cursor ? h('p', { class: 'muted' }, 'The first 10 schedules by id. ', h('a', { href: '#/schedules' }, 'All schedules')) : null;
  return [table({ id: 'schedules-overview', label: 'Next schedule fires', columns: ['Schedule', 'Next fire'], rows, empty: 'No schedules.' }), more];
}

const nextOf = (s) => (s.next && s.next.length ? s.next[0] : Infinity);

function renderTopics(answer) {
  const rows = (answer.topics || []).map((t) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: '#/topics/' + enc(t.topic) }, t.topic)),
    h('td', { class: 'num' }, String(t.count ?? 0)), h('td', { class: 'num' }, String(t.last_seq ?? 0))));
  return table({ id: 'topics-overview', label: 'Topics', columns: ['Topic', { label: 'Events kept', class: 'num' }, { label: 'Last seq', class: 'num' }], rows, empty: 'No topics.' });
}
