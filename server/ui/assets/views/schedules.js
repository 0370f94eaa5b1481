// views/schedules.js: #/schedules (every schedule, page by page) and
// #/schedules/<id> (one schedule: its spec, next fires and run log).

import { h, replace, timeEl, duration, prettyJson, debounce, enc } from '../dom.js';
import * as api from '../api.js';
import { badge, table, td, facts, errorNote, instanceLink, pager, pre, refreshButton, section, mountReadView } from '../widgets.js';

function when(s) {
  if (s.cron) return h('span', {}, h('code', {}, s.cron), s.timezone ? ` (${s.timezone})` : '');
  if (s.every !== undefined) return h('span', {}, 'every ', h('code', {}, typeof s.every === 'number' ? duration(s.every) : String(s.every)));
  return '—';
}

function actionSummary(a) {
  if (!a) return '—';
  if (a.start) return h('span', {}, 'start ', h('a', { href: '#/workflows/' + enc(a.start.type) }, a.start.type));
  if (a.task) return h('span', {}, 'task ', h('a', { href: '#/queues/' + enc(a.task.queue) }, a.task.queue), a.task.type ? ` / ${a.task.type}` : '');
  if (a.signal) return h('span', {}, `signal ${a.signal.name} to `, instanceLink(a.signal.id));
  return h('span', { class: 'mono' }, JSON.stringify(a));
}

// A run's or last fire's target: an instance link for a start action.
const target = (s, id) => (!id ? '—' : s.action && s.action.start ? instanceLink(id) : h('span', { class: 'mono wrap' }, id));

export function mount(root, ctx) {
  return ctx.segments.length > 1 ? mountOne(root, ctx.segments[1]) : mountList(root);
}

function mountList(root) {
  let cursors = [''];
  return mountReadView(root, {
    title: 'Schedules',
    load: () => api.get('/api/v1/schedules', { limit: 100, cursor: cursors[cursors.length - 1] }),
    errorPrefix: () => 'Cannot list schedules: ',
    render: (answer, refresh) => {
      const rows = (answer.schedules || []).map((s) => h('tr', { dataset: { schedule: s.id } },
        h('th', { scope: 'row' }, h('a', { href: '#/schedules/' + enc(s.id) }, s.id)),
        td(when(s)), td(actionSummary(s.action)),
        td(s.paused ? badge('paused') : timeEl(s.next && s.next[0], { abs: 'wide' })),
        h('td', { class: 'num' }, String(s.fires ?? 0)), h('td', { class: 'num' }, String(s.misfires ?? 0)),
        td(target(s, s.last_target)), td(s.source || '—')));
      return [table({ id: 'schedules-table', label: 'Schedules', rows, empty: 'No schedules.',
        columns: ['Schedule', 'When', 'Action', 'Next fire', { label: 'Fires', class: 'num' }, { label: 'Misfires', class: 'num' }, 'Last target', 'Source'] }),
      pager({ page: cursors.length, hasNext: Boolean(answer.next_cursor),
        onFirst: () => { cursors = ['']; refresh(); }, onNext: () => { cursors.push(answer.next_cursor); refresh(); } })];
    },
  });
}

function mountOne(root, id) {
  document.title = `Schedule ${id} — Sundial`;
  const info = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  const runs = section('Run log', 'schedule-runs');
  let cursors = [''];
  let disposed = false;
  replace(root, h('h1', { tabindex: '-1' }, h('span', { class: 'muted' }, 'Schedule '), id),
    h('p', {}, h('a', { href: '#/schedules' }, 'All schedules'), ' ', refreshButton(() => refresh())), info, runs.el);
  const base = '/api/v1/schedules/' + enc(id);

  async function refresh() {
    const [one, log] = await Promise.allSettled([api.get(base), api.get(base + '/runs', { limit: 50, cursor: cursors[cursors.length - 1] })]);
    if (disposed) return;
    if (one.status === 'rejected') {
      replace(info, errorNote(one.reason));
      runs.el.hidden = true;
      return;
    }
    const s = one.value;
    replace(info, facts([
      ['State', s.paused ? badge('paused') : 'active'],
      ['When', when(s)],
      ['Action', actionSummary(s.action)],
      ['Next fires', s.next && s.next.length ? h('ul', { class: 'plain' }, s.next.map((t) => h('li', {}, timeEl(t)))) : 'none'],
      ['Overlap', s.overlap ?? null], ['Misfire', s.misfire === undefined ? null : typeof s.misfire === 'string' ? s.misfire : JSON.stringify(s.misfire)],
      ['Misfire grace', s.misfire_grace ?? null], ['Jitter', s.jitter ?? null],
      ['Starts', s.start_at ? timeEl(s.start_at) : null], ['Ends', s.end_at ? timeEl(s.end_at) : null],
      ['Fires', String(s.fires ?? 0)], ['Misfires', String(s.misfires ?? 0)],
      ['Firing now', s.firing ? 'yes' : null],
      ['Last target', target(s, s.last_target)],
      ['Source', s.source ? (s.script ? `${s.source} (${s.script})` : s.source) : null],
      ['Created', timeEl(s.created_at)], ['Updated', timeEl(s.updated_at)],
    ], 'schedule-facts'), h('details', {}, h('summary', {}, 'Full spec (JSON)'), pre(prettyJson(s))));
    runs.el.hidden = false;
    if (log.status === 'rejected') {
      replace(runs.body, errorNote(log.reason, 'Cannot read the run log: '));
      return;
    }
    const page = log.value;
    const rows = (page.runs || []).map((r) => h('tr', { dataset: { seq: String(r.seq) } },
      h('td', { class: 'num' }, String(r.seq)), td(timeEl(r.nominal_time, { abs: 'wide' })), td(timeEl(r.started_at, { abs: 'wide' })),
      td(target(s, r.target_id)), td(badge(r.outcome)), h('td', { class: 'num' }, r.duration_ms === undefined || r.duration_ms === null ? '—' : duration(r.duration_ms)),
      td(r.trigger || '—'), h('td', { class: 'error-text' }, r.error || '')));
    replace(runs.body, table({ id: 'runs-table', label: 'Run log, newest first', rows, empty: 'No runs yet.',
      columns: [{ label: '#', class: 'num' }, 'Nominal time', 'Started', 'Target', 'Outcome', { label: 'Duration', class: 'num' }, 'Trigger', 'Error'] }),
    pager({ page: cursors.length, hasNext: Boolean(page.next_cursor),
      onFirst: () => { cursors = ['']; refresh(); }, onNext: () => { cursors.push(page.next_cursor); refresh(); } }));
  }
  const later = debounce(refresh, 300);
  refresh();
  return {
    refresh: later,
    // A fire's instance id is "<schedule>@<time>".
    onEvent: (ev) => { if (String(ev.instance_id || '').startsWith(id + '@')) later(); },
    dispose() { disposed = true; later.cancel(); },
  };
}
