// views/timeline.js: an instance's journal (GET .../history) as a table,
// one row per entry: seq, event, what it names, when, the time since the
// entry before, and what the entry carries (errors, due times, results).

import { h, timeEl, duration, prettyJson } from '../dom.js';
import { table, pre } from '../widgets.js';

// The field naming what an entry is about, and how to label it.
const NAME_FIELDS = [['step', 'step'], ['timer', 'timer'], ['signal', 'signal'], ['policy', 'policy'],
  ['change_id', 'change'], ['key', 'key'], ['from', 'from']];
const FAILURE = new Set(['step_attempt_failed', 'step_failed', 'failed', 'cancelled']);
const MAX_ROWS = 1000;

function nameOf(e) {
  for (const [field, label] of NAME_FIELDS) {
    if (e[field] !== undefined) return h('span', {}, h('span', { class: 'muted' }, label + ' '), h('span', { class: 'mono wrap' }, String(e[field])));
  }
  return '—';
}

function jsonDetails(summary, value, key, open) {
  const details = h('details', { dataset: { key }, open: open.has(key) }, h('summary', {}, summary), pre(prettyJson(value)));
  details.addEventListener('toggle', () => { if (details.open) open.add(key); else open.delete(key); });
  return details;
}

function detailsOf(e, open) {
  const out = [];
  const line = (...parts) => out.push(h('div', { class: 'entry-line' }, ...parts));
  if (e.attempt) line(`attempt ${e.attempt}`);
  if (e.due !== undefined) {
    if (e.event === 'timer_scheduled') {
      line(e.timer === 'signal-timeout' ? 'times out at ' : 'sleeps until ', timeEl(e.due, { abs: 'first' }));
    } else if (e.event === 'timer_fired') {
      line('was due ', timeEl(e.due, { abs: 'first' }), e.at > e.due ? ` (fired ${duration(e.at - e.due)} late)` : '');
    } else if (e.event === 'step_attempt_failed') {
      line('retry at ', timeEl(e.due, { abs: 'first' }));
    } else if (e.event === 'step_deferred') {
      line('outside its send window: starts at ', timeEl(e.due, { abs: 'first' }));
    } else if (e.event === 'debounced') {
      line('runs at ', timeEl(e.due, { abs: 'first' }), ' unless another start comes first');
    } else {
      line('due ', timeEl(e.due, { abs: 'first' }));
    }
  }
  if (e.event === 'signal_received') line(e.delivered ? 'delivered at once' : 'kept until the workflow waits for it');
  if (e.event === 'signal_delivered' && e.signal_seq !== undefined) line(`delivers the signal of entry #${e.signal_seq}`);
  if ((e.event === 'resumed' || e.event === 'retried') && e.shift_ms) line(`the schedule moved ${duration(e.shift_ms)} later`);
  if (e.event === 'step_deferred' && e.window) {
    const w = e.window;
    line(`window ${w.name ? w.name + ': ' : ''}${w.days} ${w.from}–${w.to} ${e.timezone || w.timezone}`);
    if (e.note) line(String(e.note));
  }
  if (e.event === 'step_skipped') line(e.result === undefined ? 'skipped by an operator: the workflow got null as its result' : 'skipped by an operator: the workflow got the result below');
  if (e.reason !== undefined) {
    out.push(h('div', { class: 'entry-line' }, 'reason:', h('pre', { class: 'error', tabindex: '0' }, String(e.reason))));
  }
  if (e.error !== undefined) {
    out.push(h('div', { class: 'entry-line' }, e.event === 'cancelled' ? 'reason:' : 'error:',
      h('pre', { class: 'error', tabindex: '0' }, String(e.error))));
  }
  if (e.result !== undefined) out.push(jsonDetails('result', e.result, e.seq + ':result', open));
  if (e.data !== undefined) {
    const label = { started: 'input', signal_received: 'payload', queued: 'data', continued_as_new: 'next input' }[e.event] || 'data';
    out.push(jsonDetails(label, e.data, e.seq + ':data', open));
  }
  return out.length ? out : '—';
}

// entries: the history's entries; open: a Set of the <details> left open,
// kept across re-renders. showAll: render every entry, not just the last.
export function timeline(entries, { open, showAll, onShowAll }) {
  const shown = showAll || entries.length <= MAX_ROWS ? entries : entries.slice(-MAX_ROWS);
  const first = entries.length - shown.length;
  const rows = shown.map((e, i) => {
    const before = i + first > 0 ? entries[i + first - 1] : null;
    return h('tr', { class: 'timeline-row' + (FAILURE.has(e.event) ? ' failure' : ''), dataset: { seq: String(e.seq), event: String(e.event) } },
      h('td', { class: 'num' }, String(e.seq)),
      h('td', {}, h('span', { class: 'event-name ev-' + String(e.event).replace(/[^a-z_]/g, '') }, String(e.event))),
      h('td', {}, nameOf(e)),
      h('td', {}, timeEl(e.at)),
      h('td', { class: 'num' }, before ? '+' + duration(e.at - before.at) : '—'),
      h('td', { class: 'entry-details' }, detailsOf(e, open)));
  });
  const note = first > 0 ? h('p', { class: 'hint' }, `Showing the last ${shown.length} of ${entries.length} entries. `,
    h('button', { type: 'button', class: 'secondary', id: 'timeline-all', on: { click: onShowAll } }, 'Show all')) : null;
  return [note, table({ id: 'timeline', label: 'Timeline', rows, empty: 'No journal entries.',
    columns: [{ label: '#', class: 'num' }, 'Event', 'Name', 'Time', { label: 'Since previous', class: 'num' }, 'Details'] })];
}
