// views/workflows.js: #/workflows (every type, its versions and how many
// instances hold each) and #/workflows/<type>[?version=V] (one type; a Lua
// type's source, highlighted).

import { h, replace, debounce, enc } from '../dom.js';
import * as api from '../api.js';
import { table, td, facts, errorNote, section, mountReadView } from '../widgets.js';
import { highlight } from '../lua_highlight.js';

const short = (v) => (v ? String(v).slice(0, 12) : '—');
const RELEVANT = new Set(['instance_started', 'completed', 'failed', 'cancelled', 'retried']);

function versionList(w) {
  if (!w.versions || !w.versions.length) return '—';
  return h('ul', { class: 'plain' }, w.versions.map((v) => h('li', {},
    h('a', { href: `#/workflows/${enc(w.type)}?version=${enc(v.version)}`, class: 'mono', title: v.version }, short(v.version)),
    ` — ${v.running} holding`, v.version === w.version ? ' (current)' : '')));
}

export function mount(root, { segments, query }) {
  return segments.length > 1 ? mountType(root, segments[1], query.get('version')) : mountList(root);
}

function mountList(root) {
  const view = mountReadView(root, {
    title: 'Workflows',
    refreshable: false,  // the event stream re-reads it
    load: () => api.get('/api/v1/workflows'),
    errorPrefix: () => 'Cannot list workflow types: ',
    render: (answer) => {
      const rows = (answer.workflows || []).map((w) => h('tr', { dataset: { type: w.type } },
        h('th', { scope: 'row' }, h('a', { href: '#/workflows/' + enc(w.type) }, w.type)),
        td(w.kind), h('td', { class: 'wrap' }, w.description || ''),
        td(w.version ? h('span', { class: 'mono', title: w.version }, short(w.version)) : '—'),
        td(versionList(w)),
        td(h('a', { href: '#/instances?type=' + enc(w.type) }, 'Instances'))));
      return table({ id: 'workflows-table', label: 'Workflow types', rows, empty: 'No workflow types.',
        columns: ['Type', 'Kind', 'Description', 'Version', 'Versions (instances holding)', { label: '', sr: 'Links' }] });
    },
  });
  const later = debounce(view.refresh, 300);
  return { refresh: later, onEvent: (ev) => { if (RELEVANT.has(ev.type)) later(); }, dispose() { view.dispose(); later.cancel(); } };
}

function mountType(root, type, version) {
  document.title = `Workflow ${type} — Sundial`;
  const info = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  const source = section('Source', 'workflow-source');
  source.el.hidden = true;
  replace(root, h('h1', { tabindex: '-1' }, h('span', { class: 'muted' }, 'Workflow '), type),
    h('p', {}, h('a', { href: '#/instances?type=' + enc(type) }, 'Instances of this type')), info, source.el);
  let disposed = false;

  async function refresh() {
    let w;
    try {
      const answer = await api.get('/api/v1/workflows');
      w = (answer.workflows || []).find((x) => x.type === type);
    } catch (err) {
      if (!disposed) replace(info, errorNote(err));
      return;
    }
    if (disposed) return;
    if (!w) {
      replace(info, h('p', { class: 'error-note', role: 'alert' }, `There is no workflow type "${type}".`));
      return;
    }
    replace(info, facts([
      ['Kind', w.kind], ['Description', w.description || '—'], ['Origin', w.origin || null],
      ['Current version', w.version ? h('span', { class: 'mono wrap' }, w.version) : '—'],
      ['Versions', versionList(w)],
    ], 'workflow-facts'));
    if (w.kind === 'lua' && !source.loaded) loadSource(w);
  }

  async function loadSource(w) {
    source.loaded = true;
    source.el.hidden = false;
    const picker = h('select', { id: 'source-version' },
      (w.versions || []).map((v) => h('option', { value: v.version, selected: v.version === (version || w.version) }, short(v.version) + (v.version === w.version ? ' (current)' : ''))));
    picker.addEventListener('change', () => { location.hash = `#/workflows/${enc(type)}?version=${enc(picker.value)}`; });
    const code = h('code', { id: 'source', class: 'lua' });
    replace(source.body, w.versions && w.versions.length > 1 ? h('p', { class: 'field inline' }, h('label', { for: 'source-version' }, 'Version'), picker) : null,
      h('pre', { class: 'code', tabindex: '0' }, code));
    try {
      const text = await api.get('/api/v1/workflows/' + enc(type), version ? { version } : null, { text: true });
      if (!disposed) highlight(code, text);
    } catch (err) {
      if (err.status === 404 && !version) source.el.hidden = true;
      else if (!disposed) replace(source.body, errorNote(err, 'Cannot read the source: '));
    }
  }

  const later = debounce(refresh, 300);
  refresh();
  return { refresh: later, onEvent: (ev) => { if (ev.workflow_type === type && RELEVANT.has(ev.type)) later(); }, dispose() { disposed = true; later.cancel(); } };
}
