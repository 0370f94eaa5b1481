// router.js: the hash routes. "#/instances/<encodeURIComponent(id)>?run=2"
// → {segments: ['instances', id], query: URLSearchParams}. Segments are
// decoded one by one, so an id holding "/", "?", "#" or "%" stays whole.

export function parseHash(hash = location.hash) {
  let s = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!s.startsWith('/')) return null;
  const q = s.indexOf('?');
  const queryText = q < 0 ? '' : s.slice(q + 1);
  if (q >= 0) s = s.slice(0, q);
  const segments = [];
  for (const part of s.split('/').slice(1)) {
    if (part === '') continue;
    try { segments.push(decodeURIComponent(part)); } catch { segments.push(part); }
  }
  return { segments, query: new URLSearchParams(queryText) };
}

export function buildHash(segments, params) {
  const path = '#/' + segments.map((s) => encodeURIComponent(s)).join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return qs ? path + '?' + qs : path;
}

// Goes to `hash`; when it is already the current one, calls `same`.
export function go(hash, same) {
  if (location.hash === hash) {
    if (same) same();
  } else {
    location.hash = hash;
  }
}
