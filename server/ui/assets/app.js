// app.js: boots the dashboard: works out whether the API needs a token,
// shows the sign-in view or the header and the routed view, and feeds the
// live event stream to the view on screen.

import * as api from './api.js';
import { LiveStream } from './stream.js';
import { h, replace, tickTimes } from './dom.js';
import { parseHash } from './router.js';
import { flash } from './widgets.js';
import * as signIn from './views/signin.js';
import * as overview from './views/overview.js';
import * as instances from './views/instances.js';
import * as instance from './views/instance.js';
import * as workflows from './views/workflows.js';
import * as queues from './views/queues.js';
import * as schedules from './views/schedules.js';
import * as topics from './views/topics.js';

const $ = (id) => document.getElementById(id);
const LIVE_TEXT = { live: 'live', reconnecting: 'reconnecting…', offline: 'offline' };
// Sections whose list route may be missing (404) on a server: hidden then.
const PROBES = { queues: '/api/v1/queues', schedules: '/api/v1/schedules?limit=1', topics: '/api/v1/topics' };

const state = { mode: null, features: {}, current: null, stream: null, started: false };

function pick(segments) {
  const [top, ...rest] = segments;
  switch (top) {
    case 'overview': return overview;
    case 'instances': return rest.length ? instance : instances;
    case 'workflows': return workflows;
    case 'queues': return queues;
    case 'schedules': return schedules;
    case 'topics': return topics;
    default: return null;
  }
}

function setLive(s) {
  const el = $('live-status');
  el.textContent = LIVE_TEXT[s] || s;
  el.dataset.state = s;
}

function banner(ok, err) {
  const el = $('banner');
  if (ok) {
    el.hidden = true;
    return;
  }
  replace(el, 'Cannot reach sundiald: ' + (err && err.message || 'network error') +
    '. Check that it is running; the page reconnects by itself.');
  el.hidden = false;
}

function disposeView() {
  if (state.current && state.current.dispose) state.current.dispose();
  state.current = null;
}

function route() {
  if (!state.started) return;
  const parsed = parseHash();
  if (!parsed || parsed.segments.length === 0) {
    history.replaceState(null, '', '#/overview');
    return route();
  }
  disposeView();
  flash.clear();
  const view = pick(parsed.segments);
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.nav === parsed.segments[0]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const root = $('view');
  replace(root);
  if (!view) {
    document.title = 'Not found — Sundial';
    root.append(h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'No page here. ', h('a', { href: '#/overview' }, 'Go to the overview.')));
  } else {
    state.current = view.mount(root, { segments: parsed.segments, query: parsed.query, features: state.features });
  }
  // After a navigation, move focus to the new page's heading (not on load).
  const heading = root.querySelector('h1');
  if (heading && state.routedOnce) heading.focus();
  state.routedOnce = true;
  return undefined;
}

async function probeFeatures() {
  await Promise.all(Object.entries(PROBES).map(async ([name, path]) => {
    try {
      await api.get(path);
      state.features[name] = true;
    } catch (err) {
      state.features[name] = err.status !== 404;
    }
  }));
  for (const li of document.querySelectorAll('#nav [data-feature]')) {
    li.hidden = state.features[li.dataset.feature] === false;
  }
}

function startStream() {
  if (new URLSearchParams(location.search).get('live') === 'off') {
    setLive('offline');
    return;
  }
  state.stream = new LiveStream({
    url: '/api/v1/events',
    headers: api.authHeaders,
    onState: (s) => {
      setLive(s);
      if (s === 'live') banner(true);
      else if (s === 'offline' && state.stream && state.stream.running) banner(false, { message: 'the live stream cannot connect' });
    },
    onEvent: (ev) => { if (state.current && state.current.onEvent) state.current.onEvent(ev); },
    onResync: () => { if (state.current && state.current.refresh) state.current.refresh(); },
    onUnauthorized: (message) => showSignIn(message),
  });
  state.stream.start();
}

// The token's role (GET /api/v1/session): a viewer's token can only read,
// so the pages hide what would change anything (body.read-only).
async function probeRole() {
  let role = 'admin';
  try {
    role = (await api.get('/api/v1/session', null, { quiet: true })).role || 'admin';
  } catch {
    // An older server (404) has admin tokens only; on any other failure the
    // actions show, and the server still refuses a viewer's (403).
  }
  state.role = role;
  document.body.classList.toggle('read-only', role === 'viewer');
  return role;
}

async function start(mode) {
  state.mode = mode;
  $('auth-state').textContent = mode === 'open' ? 'open (no token)' : 'signed in';
  $('sign-out').hidden = mode === 'open';
  $('main-nav').hidden = false;
  const role = await probeRole();
  if (role === 'viewer') $('auth-state').textContent = 'signed in (read-only)';
  await probeFeatures();
  state.started = true;
  startStream();
  route();
}

function stop() {
  state.started = false;
  if (state.stream) state.stream.stop();
  state.stream = null;
  disposeView();
  setLive('offline');
}

function showSignIn(message) {
  stop();
  api.setToken(null);
  document.body.classList.remove('read-only');
  $('main-nav').hidden = true;
  $('sign-out').hidden = true;
  $('auth-state').textContent = '';
  document.title = 'Sign in — Sundial';
  flash.clear();
  signIn.mount($('view'), {
    message,
    onSignedIn: (token) => {
      api.setToken(token);
      start('token');
    },
  });
}

function init() {
  flash.el = $('flash');
  api.hooks.network = banner;
  api.hooks.unauthorized = (message) => { if (state.started) showSignIn(message); };
  $('sign-out').addEventListener('click', () => showSignIn());
  window.addEventListener('hashchange', route);
  setInterval(() => tickTimes(document), 15000);
  setLive('offline');
  authenticate().catch(bootError);
}

// No token needed (200), a stored token that works, or the sign-in view.
async function authenticate() {
  try {
    await api.get('/api/v1/stats', null, { useToken: false, quiet: true });
    api.setToken(null);
    return start('open');
  } catch (err) {
    if (err.status !== 401) return bootError(err);
  }
  if (api.getToken()) {
    try {
      await api.get('/api/v1/stats', null, { quiet: true });
      return start('token');
    } catch (err) {
      if (err.status && err.status !== 401 && err.status !== 403) return bootError(err);
      return showSignIn(err.message);
    }
  }
  return showSignIn();
}

function bootError(err) {
  banner(false, err);
  replace($('view'),
    h('h1', {}, 'Cannot load the dashboard'),
    h('p', { class: 'error-note', role: 'alert' }, api.describeError(err)),
    h('button', { type: 'button', on: { click: retryBoot } }, 'Try again'));
}

function retryBoot() {
  $('banner').hidden = true;
  replace($('view'), h('p', { class: 'loading' }, 'Loading…'));
  authenticate().catch(bootError);
}

init();
