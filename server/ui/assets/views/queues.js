// views/queues.js: #/queues (every task queue and its counts) and
// #/queues/<name>?status= (one queue's tasks, by status, page by page).
// Tasks are not in the engine's event stream: a Refresh button re-reads.

import { h, replace, timeEl, duration, firstLine, prettyJson, enc } from '../dom.js';
import * as api from '../api.js';
import { buildHash, go } from '../router.js';
import { badge, table, td, facts, errorNote, instanceLink, pager, pre, refreshButton, mountReadView } from '../widgets.js';

const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'queued'];
const COUNTS = ['pending', 'running', 'queued', 'completed', 'failed', 'cancelled'];
const age = (ms) => (ms === null || ms === undefined ? '—' : duration(ms));

export function mount(root, ctx) {
  return ctx.segments.length > 1 ? mountQueue(root, ctx.segments[1], ctx.query) : mountList(root);
}

function mountList(root) {
  return mountReadView(root, {
    title: 'Queues',
    load: () => api.get('/api/v1/queues'),
    errorPrefix: (err) => (err.status === 404 ? 'This server has no task queues: ' : 'Cannot list queues: '),
    render: (answer) => {
      const rows = (answer.queues || []).map((q) => h('tr', { dataset: { queue: q.queue } },
        h('th', { scope: 'row' }, h('a', { href: '#/queues/' + enc(q.queue) }, q.queue)),
        td(q.paused ? badge('paused') : 'active'),
        COUNTS.map((k) => h('td', { class: 'num' }, String(q[k] ?? 0))),
        td(age(q.oldest_pending_age_ms)),
        h('td', { class: 'num' }, String(q.completed_per_minute ?? '—')),
        h('td', { class: 'num' }, String(q.waiting_claims ?? 0)),
        td(q.max_in_flight ?? '—'), td(q.limit ?? '—')));
      return table({ id: 'queues-table', label: 'Task queues', rows, empty: 'No queues yet.',
        columns: ['Queue', 'State', ...COUNTS.map((c) => ({ label: c, class: 'num' })), 'Oldest pending',
          { label: 'Done / min', class: 'num' }, { label: 'Waiting claims', class: 'num' }, 'Max in flight', 'Limiter'] });
    },
  });
}

function mountQueue(root, name, query) {
  document.title = `Queue ${name} — Sundial`;
  const status = TASK_STATUSES.includes(query.get('status')) ? query.get('status') : '';
  const summary = h('div', {});
  const list = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  let cursors = [''];
  let disposed = false;
  const filter = h('select', { id: 'task-status' }, h('option', { value: '' }, 'Any status'),
    TASK_STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)));
  filter.addEventListener('change', () => go(buildHash(['queues', name], { status: filter.value })));
  replace(root, h('h1', { tabindex: '-1' }, h('span', { class: 'muted' }, 'Queue '), name),
    h('p', {}, h('a', { href: '#/queues' }, 'All queues')), summary,
    h('div', { class: 'toolbar' }, h('label', { for: 'task-status', class: 'inline-label' }, 'Tasks with status'), filter, refreshButton(() => refresh())),
    list);

  async function refresh() {
    const [queues, tasks] = await Promise.allSettled([
      api.get('/api/v1/queues'),
      api.get(`/api/v1/queues/${enc(name)}/tasks`, { status, limit: 50, cursor: cursors[cursors.length - 1] }),
    ]);
    if (disposed) return;
    if (queues.status === 'fulfilled') {
      const q = (queues.value.queues || []).find((x) => x.queue === name);
      replace(summary, q ? facts([
        ['State', q.paused ? badge('paused') : 'active'],
        ...COUNTS.map((k) => [k[0].toUpperCase() + k.slice(1), String(q[k] ?? 0)]),
        ['Oldest pending', age(q.oldest_pending_age_ms)],
        ['Max in flight', q.max_in_flight === null || q.max_in_flight === undefined ? 'no limit' : String(q.max_in_flight)],
        ['Rate limiter', q.limit || 'none'],
      ], 'queue-facts') : h('p', { class: 'muted' }, 'This queue has no tasks yet.'));
    }
    if (tasks.status === 'rejected') {
      replace(list, errorNote(tasks.reason, 'Cannot list tasks: '));
      return;
    }
    const page = tasks.value;
    const rows = (page.tasks || []).map((t) => h('tr', { dataset: { taskId: t.task_id } },
      h('td', { class: 'id-col' }, h('span', { class: 'mono wrap' }, t.task_id)),
      td(t.type), td(badge(t.status)), h('td', { class: 'num' }, `${t.attempt ?? 0}/${t.max_attempts ?? '?'}`),
      h('td', { class: 'num' }, String(t.priority ?? 0)),
      td(timeEl(t.run_at, { abs: 'wide' })), td(timeEl(t.updated_at, { abs: 'wide' })),
      h('td', { class: 'error-text', title: t.last_error || '' }, t.last_error ? firstLine(t.last_error) : '—'),
      td(t.instance_id ? instanceLink(t.instance_id) : '—'),
      td(h('details', {}, h('summary', {}, 'payload'), pre(prettyJson(t.payload))))));
    replace(list,
      table({ id: 'tasks-table', label: 'Tasks', rows, empty: 'No tasks.', columns: ['Task', 'Type', 'Status', { label: 'Attempt', class: 'num' }, { label: 'Priority', class: 'num' }, 'Run at', 'Updated', 'Last error', 'Instance', 'Payload'] }),
      pager({
        page: cursors.length,
        hasNext: Boolean(page.next_cursor),
        onFirst: () => { cursors = ['']; refresh(); },
        onNext: () => { cursors.push(page.next_cursor); refresh(); },
      }));
  }
  refresh();
  return { refresh, dispose() { disposed = true; } };
}
