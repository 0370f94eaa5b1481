// dom.js: builds DOM without ever parsing HTML (every value is set with
// textContent, a whitelisted attribute or a property), and formats times,
// durations and JSON for display. Everything the API returns is treated as
// untrusted text.

const ATTR_OK = /^(?:id|class|href|title|type|name|value|for|role|tabindex|colspan|scope|datetime|placeholder|autocomplete|spellcheck|min|max|step|rows|cols|list|maxlength|size|rel|lang|inputmode|(?:aria|data)-[a-z0-9-]+|viewBox|preserveAspectRatio|x|y|x1|x2|y1|y2|width|height|focusable)$/;
const PROPS = new Set(['checked', 'disabled', 'selected', 'hidden', 'open', 'required', 'multiple', 'readOnly']);
const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false && !PROPS.has(key)) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (PROPS.has(key)) el[key] = Boolean(value);
    else if (/^on/i.test(key) || key === 'style' || !ATTR_OK.test(key)) throw new Error('refused attribute ' + key);
    else if (key === 'href' && !/^(?:#|\.\/|\/[A-Za-z0-9_])/.test(String(value))) throw new Error('refused href');
    else el.setAttribute(key, String(value));
  }
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// h('a', {href: '#/x', class: 'y'}, 'text', otherNode, [more]) → element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// The same for SVG elements.
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

// ---- times ---------------------------------------------------------------

const pad = (n, w = 2) => String(n).padStart(w, '0');

// 2026-12-03 09:15:02, local time.
export function absTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "3 min ago", "in 2 h", "just now".
export function relTime(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return '—';
  const diff = ms - now;
  const a = Math.abs(diff) / 1000;
  if (a < 5) return 'just now';
  let text;
  if (a < 60) text = `${Math.round(a)} s`;
  else if (a < 90 * 60) text = `${Math.round(a / 60)} min`;
  else if (a < 36 * 3600) text = `${Math.round(a / 3600)} h`;
  else text = `${Math.round(a / 86400)} d`;
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

// <time> showing the relative time, with the absolute one in its title and
// (abs: 'always') in the text or (abs: 'wide') on wide screens only;
// abs: 'first' reads "2026-12-03 09:15:02, in 2 h".
export function timeEl(ms, { abs = 'always' } = {}) {
  if (ms === null || ms === undefined) return h('span', { class: 'none' }, '—');
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(ms));
  const attrs = { datetime: d.toISOString(), title: absTime(ms), class: 'ts', dataset: { ts: String(ms) } };
  const rel = h('span', { class: 'rel' }, relTime(ms));
  if (abs === 'first') return h('time', attrs, absTime(ms), ', ', rel);
  return h('time', attrs, rel, abs === 'none' ? null : h('span', { class: 'abs abs-' + abs }, absTime(ms)));
}

// Refreshes the relative text of every timeEl under root.
export function tickTimes(root = document) {
  const now = Date.now();
  for (const t of root.querySelectorAll('time[data-ts] .rel')) {
    t.textContent = relTime(Number(t.parentElement.dataset.ts), now);
  }
}

// 120 ms, 1.5 s, 3 min 2 s, 2 h 5 min, 3 d 4 h.
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  const sign = ms < 0 ? '-' : '';
  ms = Math.abs(ms);
  if (ms < 1000) return `${sign}${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${sign}${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const parts = (big, bigUnit, small, smallUnit) =>
    `${sign}${big} ${bigUnit}` + (small ? ` ${small} ${smallUnit}` : '');
  if (s < 3600) return parts(Math.floor(s / 60), 'min', Math.floor(s % 60), 's');
  if (s < 86400) return parts(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return parts(Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h');
}

// datetime-local value <-> Unix ms (local time).
export function toLocalInput(ms) {
  if (!ms && ms !== 0) return '';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function fromLocalInput(value) {
  if (!value) return null;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? null : t;
}

// ---- misc ----------------------------------------------------------------

export function prettyJson(value) {
  if (value === undefined) return '';
  return JSON.stringify(value, null, 2);
}

export function firstLine(text) {
  const s = String(text ?? '');
  const i = s.search(/\r|\n/);
  return i < 0 ? s : s.slice(0, i) + ' …';
}

// Coalesces calls to an async `fn` (a view's re-read): fn runs `delay(now)`
// ms after the first call of a burst, later calls join that run, and a
// call while fn runs schedules one more run after it. So a steady stream
// of events re-reads at a bounded rate, never two at once, and never
// starves (unlike a debounce that restarts its timer on every call).
function coalesce(fn, delay) {
  let timer = null;
  let running = false;
  let again = false;
  let last = 0;
  const run = async () => {
    timer = null;
    if (running) { again = true; return; }
    running = true;
    last = Date.now();
    try { await fn(); } catch { /* the view shows its own errors */ }
    running = false;
    if (again) { again = false; wrapped(); }
  };
  const wrapped = () => {
    if (running) again = true;
    else if (!timer) timer = setTimeout(run, delay(last));
  };
  wrapped.cancel = () => { clearTimeout(timer); timer = null; again = false; };
  return wrapped;
}

// ~`ms` after the first call of a burst.
export const debounce = (fn, ms) => coalesce(fn, () => ms);

// At once when idle, but at most one run per `ms`.
export const throttle = (fn, ms) => coalesce(fn, (last) => Math.max(0, last + ms - Date.now()));

export const enc = encodeURIComponent;
