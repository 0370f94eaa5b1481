// dialogs.js: the modal <dialog>s: a confirmation (#confirm-dialog, with an
// optional reason field) and the signal sender (#signal-dialog). Forms
// here never submit anywhere: submit is handled in script.

import { h, replace } from './dom.js';
import { describeError } from './api.js';

function dialogShell(id, title) {
  const heading = h('h2', { id: id + '-title' }, title);
  const dialog = h('dialog', { id, 'aria-labelledby': id + '-title' }, heading);
  document.body.appendChild(dialog);
  return { dialog, heading };
}

// Shows `p.dialog` modally; resolves with what submit(finish) passes to
// finish, or `cancelled` on the cancel button or Escape.
function runModal(p, focus, submit, cancelled) {
  return new Promise((resolve) => {
    const finish = (result) => {
      p.form.removeEventListener('submit', onSubmit);
      p.cancel.removeEventListener('click', onCancel);
      p.dialog.removeEventListener('cancel', onEscape);
      if (p.dialog.open) p.dialog.close();
      resolve(result);
    };
    const onSubmit = (e) => { e.preventDefault(); submit(finish); };
    const onCancel = () => finish(cancelled);
    const onEscape = (e) => { e.preventDefault(); finish(cancelled); };
    p.form.addEventListener('submit', onSubmit);
    p.cancel.addEventListener('click', onCancel);
    p.dialog.addEventListener('cancel', onEscape);
    p.dialog.showModal();
    focus.focus();
  });
}

let confirmParts = null;

function confirmDialogParts() {
  if (confirmParts) return confirmParts;
  const { dialog, heading } = dialogShell('confirm-dialog', 'Confirm');
  const message = h('p', { id: 'confirm-message' });
  const reason = h('input', { id: 'confirm-reason', type: 'text', maxlength: '1000', autocomplete: 'off' });
  const reasonRow = h('p', { class: 'field' }, h('label', { for: 'confirm-reason' }, 'Reason (optional)'), reason);
  const cancel = h('button', { id: 'confirm-cancel', type: 'button', class: 'secondary' }, 'Cancel');
  const ok = h('button', { id: 'confirm-ok', type: 'submit' }, 'OK');
  const form = h('form', { class: 'dialog-form' }, message, reasonRow, h('div', { class: 'dialog-buttons' }, cancel, ok));
  dialog.append(form);
  confirmParts = { dialog, heading, message, reason, reasonRow, cancel, ok, form };
  return confirmParts;
}

// Resolves {ok: true, reason} or {ok: false}.
export function confirmAction({ title, message, okLabel = 'OK', danger = false, askReason = false }) {
  const p = confirmDialogParts();
  replace(p.heading, title);
  replace(p.message, message);
  replace(p.ok, okLabel);
  p.ok.className = danger ? 'danger' : '';
  p.reasonRow.hidden = !askReason;
  p.reason.value = '';
  return runModal(p, askReason ? p.reason : p.cancel, (finish) => finish({ ok: true, reason: p.reason.value.trim() }), { ok: false });
}

let signalParts = null;

function signalDialogParts() {
  if (signalParts) return signalParts;
  const { dialog } = dialogShell('signal-dialog', 'Send a signal');
  const target = h('p', { class: 'dialog-target' });
  const name = h('input', { id: 'signal-name', type: 'text', required: true, autocomplete: 'off', list: 'signal-names', maxlength: '1000' });
  const names = h('datalist', { id: 'signal-names' });
  const payload = h('textarea', { id: 'signal-payload', rows: '8', spellcheck: 'false', class: 'mono', 'aria-describedby': 'signal-hint signal-error' });
  const hint = h('p', { id: 'signal-hint', class: 'hint' }, 'JSON, for example {"approved": true}. Leave empty to send no payload.');
  const error = h('p', { id: 'signal-error', class: 'error-note', role: 'alert', hidden: true });
  const cancel = h('button', { id: 'signal-cancel', type: 'button', class: 'secondary' }, 'Cancel');
  const send = h('button', { id: 'signal-send', type: 'submit' }, 'Send signal');
  const form = h('form', { class: 'dialog-form' }, target,
    h('p', { class: 'field' }, h('label', { for: 'signal-name' }, 'Signal name'), name, names),
    h('p', { class: 'field' }, h('label', { for: 'signal-payload' }, 'Payload'), payload),
    hint, error, h('div', { class: 'dialog-buttons' }, cancel, send));
  dialog.append(form);
  signalParts = { dialog, target, name, names, payload, error, cancel, send, form };
  return signalParts;
}

// Opens the signal dialog for instance `id`; send({name, payload,
// hasPayload}) performs the request: its error is shown in the dialog,
// which stays open; its success closes the dialog and resolves with what
// send returned (null when cancelled).
export function signalDialog({ id, suggestions = [], send }) {
  const p = signalDialogParts();
  replace(p.target, 'To instance ', h('code', { class: 'mono' }, id));
  replace(p.names, suggestions.map((s) => h('option', { value: s })));
  p.name.value = suggestions[0] || '';
  p.payload.value = '';
  p.error.hidden = true;
  p.send.disabled = false;
  const showError = (text) => {
    p.error.textContent = text;
    p.error.hidden = false;
  };
  return runModal(p, p.name, async (finish) => {
    const name = p.name.value.trim();
    if (!name) return showError('Give the signal a name.');
    const raw = p.payload.value.trim();
    let payload;
    if (raw) {
      try { payload = JSON.parse(raw); } catch (err) {
        p.payload.setAttribute('aria-invalid', 'true');
        return showError('The payload is not valid JSON: ' + err.message);
      }
    }
    p.payload.removeAttribute('aria-invalid');
    p.error.hidden = true;
    p.send.disabled = true;
    try {
      finish((await send({ name, payload, hasPayload: raw !== '' })) ?? {});
    } catch (err) {
      showError('Not sent: ' + describeError(err));
    } finally {
      p.send.disabled = false;
    }
    return undefined;
  }, null);
}
