// views/topics.js: #/topics (every topic's head) and #/topics/<name> (its
// newest kept events, at most 50, newest first).

import { h, replace, timeEl, prettyJson, enc } from '../dom.js';
import * as api from '../api.js';
import { table, td, facts, errorNote, pre, refreshButton, section, mountReadView } from '../widgets.js';

const LATEST = 50;

export function mount(root, ctx) {
  return ctx.segments.length > 1 ? mountTopic(root, ctx.segments[1]) : mountList(root);
}

function bytes(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function mountList(root) {
  return mountReadView(root, {
    title: 'Topics',
    load: () => api.get('/api/v1/topics'),
    errorPrefix: () => 'Cannot list topics: ',
    render: (answer) => {
      const rows = (answer.topics || []).map((t) => h('tr', { dataset: { topic: t.topic } },
        h('th', { scope: 'row' }, h('a', { href: '#/topics/' + enc(t.topic) }, t.topic)),
        h('td', { class: 'num' }, String(t.count ?? 0)), h('td', { class: 'num' }, String(t.first_seq ?? '—')),
        h('td', { class: 'num' }, String(t.last_seq ?? '—')), h('td', { class: 'num' }, bytes(t.bytes)),
        td(timeEl(t.first_published_at, { abs: 'wide' }))));
      return table({ id: 'topics-table', label: 'Topics', rows, empty: 'No topics yet.',
        columns: ['Topic', { label: 'Events kept', class: 'num' }, { label: 'First seq', class: 'num' }, { label: 'Last seq', class: 'num' }, { label: 'Size', class: 'num' }, 'Oldest kept'] });
    },
  });
}

function mountTopic(root, name) {
  document.title = `Topic ${name} — Sundial`;
  const info = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  const events = section(`Latest events (up to ${LATEST}, newest first)`, 'topic-events-section');
  const base = '/api/v1/topics/' + enc(name);
  let disposed = false;
  replace(root, h('h1', { tabindex: '-1' }, h('span', { class: 'muted' }, 'Topic '), name),
    h('p', {}, h('a', { href: '#/topics' }, 'All topics'), ' ', refreshButton(() => refresh())), info, events.el);

  async function refresh() {
    try {
      const head = await api.get(base);
      if (disposed) return;
      replace(info, facts([
        ['Events kept', String(head.count ?? 0)], ['First seq', String(head.first_seq ?? '—')], ['Last seq', String(head.last_seq ?? '—')],
        ['Size', bytes(head.bytes)], ['Oldest kept', timeEl(head.first_published_at)],
      ], 'topic-facts'));
      const after = Math.max(0, (Number(head.last_seq) || 0) - LATEST);
      const page = await api.get(base + '/events', { after, limit: 100 });
      if (disposed) return;
      const rows = (page.events || []).slice().reverse().map((e) => h('tr', { dataset: { seq: String(e.seq) } },
        h('td', { class: 'num' }, String(e.seq)), td(h('span', { class: 'wrap' }, e.type)),
        td(e.key !== undefined ? h('span', { class: 'mono wrap' }, e.key) : '—'),
        td(e.id !== undefined ? h('span', { class: 'mono wrap' }, e.id) : '—'),
        td(timeEl(e.published_at, { abs: 'wide' })),
        td(h('details', {}, h('summary', {}, 'data'), pre(prettyJson(e.data))))));
      replace(events.body, table({ id: 'topic-events', label: 'Latest events', rows, empty: 'No events kept.',
        columns: [{ label: 'Seq', class: 'num' }, 'Type', 'Key', 'Id', 'Published', 'Data'] }));
    } catch (err) {
      if (!disposed) replace(info, errorNote(err, err.status === 404 ? '' : 'Cannot read this topic: '));
    }
  }
  refresh();
  return { refresh, dispose() { disposed = true; } };
}
