// api.js: the one way the dashboard talks to sundiald's REST API. Adds the
// bearer token (kept in sessionStorage, never in a URL), encodes JSON,
// decodes answers and turns {"error": {"code", "message"}} into ApiError.

const TOKEN_KEY = 'sundial.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status; // 0: the server could not be reached
    this.code = code;
  }
}

// Set by app.js: network(ok, error) for the banner, unauthorized(message)
// when a request with the token is refused.
export const hooks = { network: () => {}, unauthorized: () => {} };

let token = null;
try { token = sessionStorage.getItem(TOKEN_KEY); } catch { token = null; }

export const getToken = () => token;
export function setToken(value) {
  token = value || null;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: keep it in memory */ }
}

export function authHeaders() {
  return token ? { Authorization: 'Bearer ' + token } : {};
}

// Query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// options: body (JSON; undefined = none), text (answer as text),
// useToken (default true), quiet (no hooks: for probes), headers.
export async function request(method, path, options = {}) {
  const { body, text = false, useToken = true, quiet = false } = options;
  const headers = { Accept: text ? 'text/plain, */*' : 'application/json', ...(options.headers || {}) };
  if (useToken) Object.assign(headers, authHeaders());
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (!quiet) hooks.network(false, err);
    throw new ApiError(0, 'network', 'cannot reach sundiald (' + (err && err.message || 'network error') + ')');
  }
  if (!quiet) hooks.network(true);
  const raw = await res.text().catch(() => '');
  if (!res.ok) {
    let code = 'http_' + res.status;
    let message = `HTTP ${res.status} ${res.statusText || ''}`.trim();
    try {
      const j = JSON.parse(raw);
      if (j && j.error) {
        code = String(j.error.code || code);
        message = String(j.error.message || message);
      }
    } catch { /* not JSON: keep the status line */ }
    const error = new ApiError(res.status, code, message);
    if (res.status === 401 && useToken && !quiet) hooks.unauthorized(message);
    throw error;
  }
  if (text) return raw;
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(res.status, 'bad_json', 'the server answered something that is not JSON');
  }
}

export const get = (path, params, options) => request('GET', path + query(params), options);
export const post = (path, body, options) => request('POST', path, { ...options, body });

// "409 conflict: message" style text for an error.
export function describeError(err) {
  if (err instanceof ApiError) return err.status ? `${err.message} (${err.status})` : err.message;
  return String(err && err.message || err);
}
