// views/signin.js: the sign-in form, shown when the API answers 401. The
// token is checked against GET /api/v1/stats before it is kept.

import { h, replace } from '../dom.js';
import * as api from '../api.js';

export function mount(root, { message, onSignedIn }) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false', 'aria-describedby': 'sign-in-error' });
  const error = h('p', { id: 'sign-in-error', class: 'error-note', role: 'alert', hidden: !message }, message || '');
  const button = h('button', { id: 'sign-in', type: 'submit' }, 'Sign in');
  // A hidden user name helps password managers tell this token apart.
  const user = h('input', { type: 'text', name: 'username', autocomplete: 'username', value: 'sundial-admin', hidden: true, tabindex: '-1', 'aria-hidden': 'true' });
  const form = h('form', { id: 'sign-in-form', class: 'sign-in' }, user,
    h('p', { class: 'field' }, h('label', { for: 'token' }, 'Admin token'), input),
    error, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    error.hidden = true;
    try {
      await api.get('/api/v1/stats', null, { useToken: false, quiet: true, headers: { Authorization: 'Bearer ' + token } });
      input.value = '';
      onSignedIn(token);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      input.select();
    } finally {
      button.disabled = false;
    }
  });
  replace(root,
    h('h1', { tabindex: '-1' }, 'Sign in'),
    h('p', {}, 'This server needs its admin token (SUNDIAL_ADMIN_TOKEN). It is kept for this browser tab only.'),
    form);
  input.focus();
  return {};
}
