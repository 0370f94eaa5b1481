// views/instance.js: #/instances/<id>[?run=N]: one instance: its facts,
// input, result and error, its timeline, and the actions its status
// allows (pause, resume, cancel, retry, skip, signal). Re-read when the stream
// carries an event for it.

import { h, replace, timeEl, prettyJson, debounce, enc } from '../dom.js';
import * as api from '../api.js';
import { FINISHED, UNADDRESSABLE, addressable, badge, facts, idCell, instanceHref, instanceLink, errorNote, flash, pre, section } from '../widgets.js';
import { confirmAction, signalDialog } from '../dialogs.js';
import { timeline } from './timeline.js';

export function mount(root, { segments, query }) {
  const id = segments.slice(1).join('/');
  const runParam = /^\d+$/.test(query.get('run') || '') ? query.get('run') : null;
  document.title = `Instance ${id} — Sundial`;
  const base = '/api/v1/instances/' + enc(id);
  const open = new Set();
  let showAll = false;
  let instance = null;
  let generation = 0;
  let disposed = false;
  let acting = false;

  const head = h('div', { id: 'instance-head' });
  const actions = h('div', { id: 'actions', class: 'actions', role: 'group', 'aria-label': 'Actions' });
  const body = h('div', { id: 'instance-body' }, h('p', { class: 'loading' }, 'Loading…'));
  replace(root,
    h('h1', { tabindex: '-1', class: 'instance-title' }, h('span', { class: 'muted' }, 'Instance '), idCell(id, { link: false })),
    head, actions, body);

  async function refresh() {
    if (!addressable(id)) {
      replace(body, h('p', { class: 'error-note', role: 'alert' }, 'Cannot show this instance: ' + UNADDRESSABLE + '.'));
      return;
    }
    const mine = ++generation;
    const params = runParam ? { run: runParam } : null;
    try {
      const [desc, hist] = await Promise.all([api.get(base, params), api.get(base + '/history', params)]);
      if (disposed || mine !== generation) return;
      instance = desc;
      render(desc, hist);
    } catch (err) {
      if (disposed || mine !== generation) return;
      replace(head);
      replace(actions);
      replace(body, errorNote(err, err.status === 404 ? '' : 'Cannot read this instance: '));
    }
  }

  function render(i, hist) {
    replace(head, h('p', { class: 'subhead' }, badge(i.status), ' ',
      h('a', { href: '#/workflows/' + enc(i.type) }, i.type), ` · run ${i.run}`,
      runParam ? [' · ', h('a', { href: instanceHref(id) }, 'latest run')] : runPicker(i.run)));
    renderActions(i);
    const c = i.concurrency;
    const parent = i.parent ? h('span', {}, instanceLink(i.parent.id), ` (run ${i.parent.run}${i.parent.detached ? ', detached' : ''})`) : null;
    const children = i.children && i.children.length ? h('ul', { class: 'plain', id: 'children' }, i.children.map((cid) => h('li', {}, instanceLink(cid)))) : null;
    const concurrency = c ? h('span', {}, h('span', { class: 'mono wrap' }, String(c.key)), ` · limit ${c.limit} · on busy ${c.on_busy}`,
      c.position ? ` · position ${c.position} in line` : '', c.debounce_until ? [' · debounced until ', timeEl(c.debounce_until)] : '') : null;
    const parts = [
      facts([
        ['Status', h('span', {}, badge(i.status), i.paused_at ? [' since ', timeEl(i.paused_at)] : null)],
        ['Type', i.type],
        ['Version', i.version ? h('a', { href: `#/workflows/${enc(i.type)}?version=${enc(i.version)}`, class: 'mono wrap' }, i.version) : 'built-in'],
        ['Run', String(i.run)],
        ['Created', timeEl(i.created_at)],
        ['Updated', timeEl(i.updated_at)],
        ['Finished', i.finished_at ? timeEl(i.finished_at) : null],
        ['Current step', i.current_step ? h('span', {}, h('span', { class: 'mono wrap' }, i.current_step),
          i.window_opens_at ? h('span', { class: 'muted' }, ' · waits for its send window, opens ', timeEl(i.window_opens_at)) : null) : '—'],
        ['Next timer', i.next_timer ? timeEl(i.next_timer) : '—'],
        ['Waiting for signals', i.waiting_for_signals && i.waiting_for_signals.length ? h('span', { class: 'mono wrap' }, i.waiting_for_signals.join(', ')) : '—'],
        ['Attempts', String(i.attempts ?? 0)],
        ['Journal entries', i.history_length !== undefined ? String(i.history_length) : null],
        ['Parent', parent],
        ['Children', children],
        ['Concurrency', concurrency],
        ['Send window', i.send_window ? h('span', { class: 'mono wrap' },
          `${i.send_window.name ? i.send_window.name + ': ' : ''}${i.send_window.days} ${i.send_window.from}–${i.send_window.to} ${i.send_window.timezone}` +
          (i.send_window.timezone_from ? ` (or input.${i.send_window.timezone_from})` : '')) : null],
        ['Cancel reason', i.cancel_reason ? h('span', { class: 'wrap' }, i.cancel_reason) : null],
        ['Idempotency key', i.idempotency_key ? h('span', { class: 'mono wrap' }, i.idempotency_key) : null],
      ], 'instance-facts'),
    ];
    if (i.last_error) parts.push(h('h2', {}, 'Last error'), h('pre', { class: 'error', id: 'last-error', tabindex: '0' }, String(i.last_error)));
    const input = section('Input', 'instance-input');
    input.body.append(pre(prettyJson(i.input), 'json'));
    input.body.firstChild.id = 'input';
    parts.push(input.el);
    if (i.result !== null && i.result !== undefined || i.status === 'completed') {
      const result = section('Result', 'instance-result');
      result.body.append(pre(prettyJson(i.result), 'json'));
      result.body.firstChild.id = 'result';
      parts.push(result.el);
    }
    const tl = section('Timeline', 'instance-timeline');
    tl.body.append(...timeline(hist.entries || [], { open, showAll, onShowAll: () => { showAll = true; refresh(); } }).filter(Boolean));
    parts.push(tl.el);
    replace(body, ...parts);
  }

  function runPicker(run) {
    if (!run || run <= 1) return null;
    const select = h('select', { id: 'run-select' });
    for (let r = run; r >= Math.max(1, run - 20); r--) select.append(h('option', { value: String(r), selected: r === run }, r === run ? `run ${r} (latest)` : `run ${r}`));
    select.addEventListener('change', () => {
      location.hash = instanceHref(id, Number(select.value) === run ? null : select.value);
    });
    return [' · ', h('label', { for: 'run-select', class: 'inline-label' }, 'Show'), select];
  }

  function renderActions(i) {
    replace(actions);
    if (runParam) return; // an earlier run: nothing to steer
    const s = i.status;
    const button = (action, label, cls) => h('button', { type: 'button', class: cls, dataset: { action }, disabled: acting, on: { click: () => act(action) } }, label);
    if (s === 'running' || s === 'waiting') actions.append(button('pause', 'Pause'));
    const policySelect = () => [h('label', { for: 'resume-policy', class: 'inline-label' }, 'policy'),
      h('select', { id: 'resume-policy' }, h('option', { value: 'shift' }, 'shift: move the schedule later'), h('option', { value: 'fire' }, 'fire: run what came due'))];
    if (s === 'paused') actions.append(button('resume', 'Resume'), ...policySelect());
    if (s === 'failed') {
      actions.append(button('retry', 'Retry'));
      if (i.current_step) actions.append(button('skip', `Skip step “${i.current_step}”…`));
      actions.append(...policySelect());
    }
    if (!FINISHED.has(s)) actions.append(button('signal', 'Send signal…'), button('cancel', 'Cancel…', 'danger'));
  }

  async function act(action) {
    if (acting) return;
    let answer;
    const setBusy = (b) => {
      acting = b;
      for (const btn of actions.querySelectorAll('button')) btn.disabled = b;
    };
    try {
      if (action === 'signal') {
        answer = await signalDialog({
          id,
          suggestions: (instance && instance.waiting_for_signals) || [],
          send: ({ name, payload, hasPayload }) => api.post(`${base}/signals/${enc(name)}`, hasPayload ? payload : undefined)
            .then((a) => ({ ...a, signal: name })),
        });
        if (!answer) return;
        flash.show(`Signal "${answer.signal}" sent. Status: ${answer.status}.`, 'ok');
      } else {
        let body;
        if (action === 'cancel') {
          const c = await confirmAction({ title: 'Cancel this instance?', message: `Instance ${id} ends as cancelled. This cannot be undone.`, okLabel: 'Cancel instance', danger: true, askReason: true });
          if (!c.ok) return;
          if (c.reason) body = { reason: c.reason };
        }
        if (action === 'skip') {
          const step = instance && instance.current_step;
          const c = await confirmAction({ title: `Skip step “${step}”?`, message: `The step counts as done with no result and instance ${id} goes on from there. Its code does not run again.`, okLabel: 'Skip step', askReason: true });
          if (!c.ok) return;
          body = c.reason ? { reason: c.reason } : {};
        }
        if (action === 'resume' || action === 'retry' || action === 'skip') {
          body = { ...(body || {}), policy: actions.querySelector('#resume-policy')?.value || 'shift' };
        }
        setBusy(true);
        answer = await api.post(`${base}/${action}`, body);
        const done = { pause: 'Paused', resume: 'Resumed', cancel: 'Cancelled', retry: 'Retried', skip: 'Skipped the step' }[action];
        flash.show(`${done}. Status: ${answer && answer.status}.`, 'ok');
      }
    } catch (err) {
      flash.show(`${action[0].toUpperCase() + action.slice(1)} failed: ${api.describeError(err)}`, 'error');
    } finally {
      setBusy(false);
    }
    if (!disposed) refresh();
  }

  const later = debounce(refresh, 300);
  refresh();
  return {
    refresh: later,
    onEvent(ev) { if (ev.instance_id === id && !runParam) later(); },
    dispose() { disposed = true; later.cancel(); },
  };
}
