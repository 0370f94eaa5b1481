// widgets.js: small building blocks the views share: status badges, tables
// in scrolling wrappers, copy buttons, the flash line, definition lists.

import { h, clear, replace, enc } from './dom.js';
import { describeError } from './api.js';

export const INSTANCE_STATUSES = ['running', 'waiting', 'paused', 'queued', 'completed', 'failed', 'cancelled'];
export const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export function badge(status) {
  const s = String(status ?? 'unknown');
  const known = /^[a-z_]+$/.test(s) ? s : 'unknown';
  return h('span', { class: 'badge status-' + known }, s);
}

// "." and ".." are valid instance ids, but a URL path normalizes such a
// segment away (even percent-encoded), so no API route can name them.
export const UNADDRESSABLE = 'an id of "." or ".." cannot be put in a URL path, so the API cannot address it';
export const addressable = (id) => id !== '.' && id !== '..';

export const instanceHref = (id, run) => '#/instances/' + enc(id) + (run ? '?run=' + enc(run) : '');

export function instanceLink(id) {
  return h('a', { href: instanceHref(id), class: 'mono id-link' }, id);
}

// A table in a horizontally scrolling, keyboard-focusable region.
// columns: [label | {label, class, sr}], rows: array of <tr>.
export function table({ id, label, columns, rows, empty = 'Nothing here.' }) {
  const head = h('tr', {}, columns.map((c) => {
    const col = typeof c === 'string' ? { label: c } : c;
    return h('th', { scope: 'col', class: col.class }, col.sr ? h('span', { class: 'sr-only' }, col.sr) : null, col.label);
  }));
  const body = h('tbody', {}, rows.length ? rows : h('tr', { class: 'empty' },
    h('td', { colspan: String(columns.length) }, empty)));
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' },
    h('table', { id }, h('caption', { class: 'sr-only' }, label), h('thead', {}, head), body));
}

export const td = (...children) => h('td', {}, ...children);

export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall back below */ }
  const area = h('textarea', { class: 'offscreen', 'aria-hidden': 'true', tabindex: '-1' });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

export function copyButton(text, what = 'id') {
  const button = h('button', { type: 'button', class: 'copy', title: 'Copy ' + what, 'aria-label': 'Copy ' + what }, 'Copy');
  button.addEventListener('click', async () => {
    const ok = await copyText(text);
    button.textContent = ok ? 'Copied' : 'Select';
    if (!ok) {
      // Select the text next to the button so Ctrl+C copies it.
      const target = button.parentElement && button.parentElement.querySelector('.mono');
      if (target) window.getSelection().selectAllChildren(target);
      flash.show('Copying is not allowed here: the ' + what + ' is selected, press Ctrl+C.', 'info');
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
  return button;
}

// An id in full (wrapping, monospace) with a copy button.
export function idCell(id, { link = true } = {}) {
  return h('span', { class: 'id-cell' }, link ? instanceLink(id) : h('span', { class: 'mono' }, id), ' ', copyButton(id));
}

// <dl> from [[term, value], ...]; null values are left out.
export function facts(pairs, id) {
  const dl = h('dl', { class: 'facts', id });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined) continue;
    dl.append(h('div', {}, h('dt', {}, term), h('dd', {}, value)));
  }
  return dl;
}

export function errorNote(err, prefix = '') {
  return h('p', { class: 'error-note', role: 'alert' }, prefix + describeError(err));
}

export function pre(text, cls = 'json') {
  return h('pre', { class: cls, tabindex: '0' }, text);
}

// The flash line (#flash, role=status): the result of the last action.
export const flash = {
  el: null,
  show(text, kind = 'ok', details = []) {
    if (!this.el) return;
    replace(this.el, h('span', {}, text));
    if (details.length) this.el.append(h('ul', {}, details.map((d) => h('li', {}, d))));
    this.el.className = 'flash flash-' + kind;
  },
  // Emptied, not hidden: a live region must stay in the page to be read.
  clear() {
    if (!this.el) return;
    clear(this.el);
    this.el.className = 'flash';
  },
};

export function section(title, id) {
  const body = h('div', { class: 'section-body' });
  const heading = h('h2', { id: id + '-title' }, title);
  const el = h('section', { id, class: 'panel', 'aria-labelledby': id + '-title' }, heading, body);
  return { el, body, heading };
}

export function pager({ onFirst, onNext, hasNext, page }) {
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', id: 'first-page', disabled: page <= 1, on: { click: onFirst } }, 'First page'),
    h('span', { class: 'page-no' }, 'Page ' + page),
    h('button', { type: 'button', id: 'next-page', disabled: !hasNext, on: { click: onNext } }, 'Next page'));
}

// A page that shows one read of the API: its heading, a Refresh button
// (unless `refreshable` is false) and a box that shows what render() makes
// of the answer, or the error after errorPrefix(err). An answer that
// arrives after a newer read started, or after the page was left, is
// dropped. render(answer, refresh) may return a node or a list of nodes.
export function mountReadView(root, { title, load, render, errorPrefix, refreshable = true }) {
  document.title = `${title} — Sundial`;
  const box = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  let generation = 0;
  let disposed = false;
  async function refresh() {
    const mine = ++generation;
    try {
      const answer = await load();
      if (!disposed && mine === generation) replace(box, render(answer, refresh));
    } catch (err) {
      if (!disposed && mine === generation) replace(box, errorNote(err, errorPrefix(err)));
    }
  }
  replace(root, h('h1', { tabindex: '-1' }, title), refreshable ? refreshButton(() => refresh()) : null, box);
  refresh();
  return { refresh, dispose() { disposed = true; } };
}

export function refreshButton(onClick) {
  return h('button', { type: 'button', id: 'refresh', class: 'secondary', on: { click: onClick } }, 'Refresh');
}
