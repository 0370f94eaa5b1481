// views/instances.js: #/instances?status=&type=&id_prefix=&created_after=
// &created_before=&order=: the filter form, one page of instances, row
// selection and the bulk pause / resume / cancel actions on the selected
// rows, and pause / resume / retry / cancel of every instance matching the
// filter (POST /api/v1/instances:<verb>, after a dry run says how many).

import { h, replace, timeEl, firstLine, debounce, toLocalInput, fromLocalInput, enc } from '../dom.js';
import * as api from '../api.js';
import { buildHash, go } from '../router.js';
import { INSTANCE_STATUSES, UNADDRESSABLE, addressable, badge, table, td, idCell, errorNote, flash, pager } from '../widgets.js';
import { confirmAction } from '../dialogs.js';

const PAGE = 50;
const FILTERS = ['type', 'status', 'id_prefix', 'created_after', 'created_before', 'order'];

function filtersFrom(query) {
  const f = {};
  for (const k of FILTERS) {
    const v = query.get(k);
    if (v) f[k] = v;
  }
  if (f.status && !INSTANCE_STATUSES.includes(f.status)) delete f.status;
  if (f.order && f.order !== 'asc' && f.order !== 'desc') delete f.order;
  for (const k of ['created_after', 'created_before']) if (f[k] && !/^\d+$/.test(f[k])) delete f[k];
  return f;
}

function select(id, label, options, value) {
  return h('p', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id, name: id }, options.map(([v, text]) => h('option', { value: v, selected: v === (value || '') }, text))));
}

function input(id, label, type, value, extra = {}) {
  return h('p', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, type, value: value || '', ...extra }));
}

export function mount(root, { query }) {
  document.title = 'Instances — Sundial';
  const filters = filtersFrom(query);
  const selected = new Set();
  let cursors = ['']; // cursors[i]: the cursor of page i + 1
  let page = null;
  let generation = 0;
  let disposed = false;
  let busy = false;

  const typeSelect = select('filter-type', 'Type', [['', 'Any type'], ...(filters.type ? [[filters.type, filters.type]] : [])], filters.type);
  const form = h('form', { id: 'filter-form', class: 'filters', role: 'search', 'aria-label': 'Filter instances' },
    typeSelect,
    select('filter-status', 'Status', [['', 'Any status'], ...INSTANCE_STATUSES.map((s) => [s, s])], filters.status),
    input('filter-id-prefix', 'ID prefix', 'search', filters.id_prefix, { autocomplete: 'off', spellcheck: 'false' }),
    input('filter-created-after', 'Created after', 'datetime-local', toLocalInput(Number(filters.created_after) || null), { step: '1' }),
    input('filter-created-before', 'Created before', 'datetime-local', toLocalInput(Number(filters.created_before) || null), { step: '1' }),
    select('filter-order', 'Order', [['asc', 'Ascending'], ['desc', 'Descending (newest first)']], filters.order || 'asc'),
    h('p', { class: 'field buttons' },
      h('button', { type: 'submit', id: 'filter-apply' }, 'Apply'),
      h('button', { type: 'button', id: 'filter-reset', class: 'secondary', on: { click: () => go('#/instances', () => { form.reset(); cursors = ['']; refresh(); }) } }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector('#' + id).value;
    const next = buildHash(['instances'], {
      type: v('filter-type'), status: v('filter-status'), id_prefix: v('filter-id-prefix'),
      created_after: fromLocalInput(v('filter-created-after')), created_before: fromLocalInput(v('filter-created-before')),
      order: v('filter-order') === 'desc' ? 'desc' : '',
    });
    go(next, () => { cursors = ['']; refresh(); });
  });

  const count = h('span', { id: 'selected-count', 'aria-live': 'polite' }, '0 selected');
  const policy = h('select', { id: 'bulk-resume-policy' },
    h('option', { value: 'shift' }, 'shift (move the schedule later)'), h('option', { value: 'fire' }, 'fire (run what came due)'));
  const bulkButtons = {
    pause: h('button', { type: 'button', id: 'bulk-pause', on: { click: () => bulk('pause') } }, 'Pause'),
    resume: h('button', { type: 'button', id: 'bulk-resume', on: { click: () => bulk('resume') } }, 'Resume'),
    cancel: h('button', { type: 'button', id: 'bulk-cancel', class: 'danger', on: { click: () => bulk('cancel') } }, 'Cancel'),
  };
  const bulkBar = h('div', { id: 'bulk-actions', class: 'bulk', role: 'group', 'aria-label': 'Act on the selected instances' },
    count, bulkButtons.pause, bulkButtons.resume,
    h('label', { for: 'bulk-resume-policy', class: 'inline-label' }, 'Resume and retry policy'), policy, bulkButtons.cancel);
  const matchButtons = {
    pause: h('button', { type: 'button', id: 'match-pause', on: { click: () => bulkMatching('pause') } }, 'Pause all'),
    resume: h('button', { type: 'button', id: 'match-resume', on: { click: () => bulkMatching('resume') } }, 'Resume all'),
    retry: h('button', { type: 'button', id: 'match-retry', on: { click: () => bulkMatching('retry') } }, 'Retry all'),
    cancel: h('button', { type: 'button', id: 'match-cancel', class: 'danger', on: { click: () => bulkMatching('cancel') } }, 'Cancel all'),
  };
  const windowed = Boolean(filters.created_after || filters.created_before);
  const matchBar = h('div', { id: 'match-actions', class: 'bulk', role: 'group', 'aria-label': 'Act on every instance matching the filter' },
    h('span', { class: 'inline-label' }, windowed ? 'Every matching instance (not with a creation window):' : 'Every instance matching the filter:'),
    matchButtons.pause, matchButtons.resume, matchButtons.retry, matchButtons.cancel);
  const hint = h('p', { class: 'hint' }, 'Without a type or status filter, instances are listed in id order; with one, by creation time.');
  const listBox = h('div', { id: 'instance-list' }, h('p', { class: 'loading' }, 'Loading…'));
  replace(root, h('h1', { tabindex: '-1' }, 'Instances'), form, hint, bulkBar, matchBar, listBox);
  updateBulk();

  api.get('/api/v1/workflows').then((answer) => {
    if (disposed) return;
    const sel = typeSelect.querySelector('select');
    const types = (answer.workflows || []).map((w) => w.type).filter((t) => t !== filters.type).sort();
    for (const t of types) sel.append(h('option', { value: t }, t));
  }).catch(() => { /* the type can still be typed in the URL */ });

  function updateBulk() {
    count.textContent = `${selected.size} selected`;
    for (const b of Object.values(bulkButtons)) b.disabled = busy || selected.size === 0;
    // The bulk API filters by type, status and id prefix only.
    for (const b of Object.values(matchButtons)) b.disabled = busy || windowed;
  }

  async function refresh() {
    const mine = ++generation;
    const cursor = cursors[cursors.length - 1];
    try {
      const answer = await api.get('/api/v1/instances', { ...filters, limit: PAGE, cursor });
      if (disposed || mine !== generation) return;
      page = answer;
      render();
    } catch (err) {
      if (disposed || mine !== generation) return;
      replace(listBox, errorNote(err, 'Cannot list instances: '));
    }
  }

  function render() {
    const list = page.instances || [];
    const ids = new Set(list.map((i) => i.id));
    for (const id of [...selected]) if (!ids.has(id)) selected.delete(id);
    const all = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'Select all instances on this page', checked: list.length > 0 && selected.size === list.length });
    all.indeterminate = selected.size > 0 && selected.size < list.length;
    all.addEventListener('change', () => {
      for (const box of listBox.querySelectorAll('.select-row')) {
        box.checked = all.checked;
        const id = box.closest('tr').dataset.instanceId;
        if (all.checked) selected.add(id); else selected.delete(id);
      }
      updateBulk();
    });
    const rows = list.map((i) => {
      const box = h('input', { type: 'checkbox', class: 'select-row', 'aria-label': 'Select ' + i.id, checked: selected.has(i.id) });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(i.id); else selected.delete(i.id);
        all.checked = selected.size === list.length;
        all.indeterminate = selected.size > 0 && selected.size < list.length;
        updateBulk();
      });
      return h('tr', { dataset: { instanceId: i.id, status: i.status } },
        h('td', { class: 'check' }, box),
        h('td', { class: 'id-col' }, idCell(i.id)),
        td(h('a', { href: '#/workflows/' + enc(i.type) }, i.type)),
        td(badge(i.status)),
        td(timeEl(i.created_at, { abs: 'wide' })),
        td(timeEl(i.updated_at, { abs: 'wide' })),
        td(timeEl(i.next_timer, { abs: 'wide' })),
        i.last_error ? h('td', { class: 'error-text', title: i.last_error }, firstLine(i.last_error)) : td('—'));
    });
    const n = cursors.length;
    replace(listBox,
      table({ id: 'instances-table', label: 'Instances', rows, empty: page.next_cursor ? 'None on this page: the server stopped scanning early. Use Next page to search on.' : n > 1 ? 'No more instances.' : 'No instances match.', columns: [{ label: all, class: 'check' }, 'ID', 'Type', 'Status', 'Created', 'Updated', 'Next timer', 'Last error'] }),
      pager({
        page: n,
        hasNext: Boolean(page.next_cursor),
        onFirst: () => { cursors = ['']; selected.clear(); updateBulk(); refresh(); },
        onNext: () => { cursors.push(page.next_cursor); selected.clear(); updateBulk(); refresh(); },
      }));
    updateBulk();
  }

  const WORDS = {
    pause: ['Pause', 'Paused', 'They stop before their next step and wait until resumed.'],
    resume: ['Resume', 'Resumed', ''],
    cancel: ['Cancel', 'Cancelled', 'They end as cancelled; this cannot be undone.'],
    retry: ['Retry', 'Retried', 'Failed instances run again from the step that failed.'],
  };

  function policyNote() {
    return policy.value === 'fire'
      ? 'With policy fire: timers that came due meanwhile fire now.'
      : 'With policy shift: the remaining schedule moves later by the time spent paused or failed.';
  }

  // Every instance the filter matches, in batches on the server.
  async function bulkMatching(verb) {
    const filter = {};
    for (const k of ['type', 'status', 'id_prefix']) if (filters[k]) filter[k] = filters[k];
    const described = Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(', ') || 'no filter';
    const [title, past, what] = WORDS[verb];
    const path = '/api/v1/instances:' + verb;
    busy = true;
    updateBulk();
    try {
      const dry = await api.post(path, { filter, dry_run: true });
      if (disposed) return;
      if (!dry.matched) {
        flash.show(`No instance matching ${described} can be ${past.toLowerCase()}.`, 'info');
        return;
      }
      const n = dry.matched === 1 ? '1 instance' : `${dry.matched.toLocaleString()} instances`;
      let message = `${title} ${n} matching ${described}. ${what}`;
      if (verb === 'resume' || verb === 'retry') message += ' ' + policyNote();
      const answer = await confirmAction({ title: `${title} ${n}?`, message, okLabel: `${title} ${n}`, danger: verb === 'cancel', askReason: verb === 'cancel' });
      if (!answer.ok || disposed) return;
      const body = { filter };
      if (verb === 'resume' || verb === 'retry') body.policy = policy.value;
      if (verb === 'cancel' && answer.reason) body.reason = answer.reason;
      flash.show(`${title}: ${n}…`, 'info');
      const done = await api.post(path, body);
      if (disposed) return;
      const errors = (done.errors || []).map((e) => `${e.instance_id}: ${(e.error && e.error.message) || 'refused'}`);
      flash.show(`${past} ${done.changed} of ${done.matched} matching instance${done.matched === 1 ? '' : 's'}.` +
        (done.refused ? ` ${done.refused} refused (they changed meanwhile)${errors.length < done.refused ? '; the first ' + errors.length : ''}:` : ''),
        done.refused ? 'error' : 'ok', errors);
    } catch (err) {
      if (!disposed) flash.show(`${title} all: ${api.describeError(err)}`, 'error');
    } finally {
      busy = false;
      if (!disposed) { updateBulk(); refresh(); }
    }
  }

  async function bulk(verb) {
    const ids = [...selected];
    if (!ids.length) return;
    const [title, past, what] = WORDS[verb];
    const n = ids.length === 1 ? '1 instance' : `${ids.length} instances`;
    let body;
    let message = `${title} ${n}. ${what}`;
    if (verb === 'resume') {
      body = { policy: policy.value };
      message += policyNote();
    }
    const answer = await confirmAction({ title: `${title} ${n}?`, message, okLabel: `${title} ${n}`, danger: verb === 'cancel', askReason: verb === 'cancel' });
    if (!answer.ok) return;
    if (verb === 'cancel' && answer.reason) body = { reason: answer.reason };
    busy = true;
    updateBulk();
    const failures = [];
    let done = 0;
    const queue = ids.slice();
    const worker = async () => {
      while (queue.length) {
        const id = queue.shift();
        try {
          if (!addressable(id)) throw new Error(UNADDRESSABLE);
          await api.post(`/api/v1/instances/${enc(id)}/${verb}`, body);
          done += 1;
        } catch (err) {
          failures.push(`${id}: ${api.describeError(err)}`);
        }
        flash.show(`${title}: ${done + failures.length} of ${ids.length}…`, 'info');
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    busy = false;
    if (disposed) return;
    flash.show(`${past} ${done} of ${ids.length} instance${ids.length === 1 ? '' : 's'}.` +
      (failures.length ? ` ${failures.length} failed:` : ''), failures.length ? 'error' : 'ok', failures);
    selected.clear();
    refresh();
  }

  const later = debounce(refresh, 300);
  refresh();
  return {
    refresh: later,
    onEvent(ev) {
      if (filters.type && ev.workflow_type !== filters.type) return;
      if (filters.id_prefix && !String(ev.instance_id || '').startsWith(filters.id_prefix)) return;
      later();
    },
    dispose() { disposed = true; later.cancel(); },
  };
}
