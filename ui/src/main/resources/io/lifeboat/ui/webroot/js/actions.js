// Admin actions on a guest, each behind a confirmation dialog that names the guest and the host it concerns.
// Failover is live; failback and drill follow the same pattern when the coordinator offers them (issue 8).

import {ApiError, currentSession, mayAct, post} from './api.js';
import {h, replace} from './dom.js';
import {duration} from './format.js';

/** What each action does, who may run it and when it applies. */
export const ACTIONS = {
  failover: {
    label: 'Fail over now',
    available: (g) => !!g.standbyHostId && ['PROTECTED', 'AT_RISK'].includes(g.state),
    path: (g) => `/guests/${encodeURIComponent(g.id)}/failover`,
    title: (g) => `Fail over ${g.name} now?`,
    confirmLabel: (g) => `Fail over ${g.name} to ${g.standbyHostId}`,
    body: (g, hostsById) => {
      const primary = hostsById.get(g.primaryHostId);
      const primaryDown = primary && ['LOST', 'FENCED'].includes(primary.state);
      const parts = [h('p', {}, 'Guest ', h('strong', {class: 'confirm-guest'}, g.name), ' will be started on host ',
          h('strong', {class: 'confirm-host'}, g.standbyHostId), ' from its newest restore point',
          g.pointAgeSeconds !== null ? ` (taken ${duration(g.pointAgeSeconds)} ago)` : '', '.'),
      h('p', {}, 'Changes made on ', h('strong', {}, g.ownerHostId || g.primaryHostId),
          ' since that point are not on the standby.')];
      if (!primaryDown) {
        parts.push(h('p', {class: 'warn'}, `Host ${g.primaryHostId} is ${primary ? primary.state : 'not known'}. `
            + 'Two running copies would corrupt data, so the coordinator fails over only once it is off.'),
        h('label', {class: 'check'}, h('input', {type: 'checkbox', name: 'primaryConfirmedOff', id: 'confirm-off'}),
            ` I confirm that ${g.primaryHostId} is switched off`));
      }
      return parts;
    },
    payload: (form) => (form.primaryConfirmedOff && form.primaryConfirmedOff.checked ? {primaryConfirmedOff: true} : {}),
    done: (g, json) => `Failover of ${g.name} to ${g.standbyHostId} started`
        + (json && (json.operationId || json.id) ? ` (operation ${json.operationId || json.id})` : '') + '.',
  },
  // Issue 8 adds entries of the same shape, which every guest row and page then shows:
  // failback: {label: 'Fail back', shown: (g) => g.state === 'FAILED_OVER', available: ..., path: (g) =>
  //   `/guests/${id}/failback`, title, confirmLabel, body, payload, done},
  // drill: {label: 'Run drill', ...} (posting to /drills with the guest's plan).
};

/** Explains an action's failure: a 403 says the user may not, a 409 gives the coordinator's reason. */
export function actionError(e) {
  if (!(e instanceof ApiError)) return `The coordinator cannot be reached: ${e.message}`;
  const detail = e.problem && (e.problem.detail || e.problem.title);
  if (e.status === 403) {
    return `403 Forbidden: ${detail || 'your role may not run this action, or the page lost its session token'}.`;
  }
  if (e.status === 401) return '401: your session ended; log in again.';
  return `${e.status}${e.problem && e.problem.title ? ` ${e.problem.title}` : ''}: ${detail || 'the action failed'}`;
}

/** A button for the action on a guest: disabled with a tooltip for a viewer. */
export function actionButton(name, g, hostsById, onDone) {
  const a = ACTIONS[name];
  const allowed = mayAct();
  const applies = a.available(g);
  const why = !allowed ? `Only an admin can ${a.label.toLowerCase()}; you are logged in as `
      + `${currentSession() ? currentSession().user : 'nobody'} (${currentSession() ? currentSession().role : ''}).`
      : !applies ? `Not possible while ${g.name} is ${g.state.toLowerCase().replace(/_/g, ' ')}.` : null;
  const button = h('button', {type: 'button', class: ['action', `action-${name}`], 'data-action': name,
    'data-guest-id': g.id, disabled: !allowed || !applies, title: why, 'aria-label': `${a.label}: ${g.name}`},
  a.label);
  button.addEventListener('click', () => confirmAction(name, g, hostsById, onDone));
  const wrap = h('span', {class: 'action-wrap', title: why}, button);
  return wrap;
}

/**
 * The buttons of every action in ACTIONS that is shown for this guest (an entry may hide itself with shown(g); a
 * shown action that does not apply now is disabled with the reason as its tooltip).
 */
export function actionButtons(g, hostsById, onDone) {
  return Object.entries(ACTIONS).filter(([, a]) => !a.shown || a.shown(g))
      .map(([name]) => actionButton(name, g, hostsById, onDone));
}

/** Opens the confirmation dialog; on confirm posts the action and reports the outcome in the dialog or via onDone. */
export function confirmAction(name, g, hostsById, onDone) {
  const a = ACTIONS[name];
  const dialog = document.getElementById('confirm');
  const form = document.getElementById('confirm-form');
  const error = document.getElementById('confirm-error');
  const ok = document.getElementById('confirm-ok');
  replace(document.getElementById('confirm-title'), a.title(g));
  replace(document.getElementById('confirm-body'), a.body(g, hostsById));
  replace(ok, a.confirmLabel(g));
  dialog.dataset.action = name;
  dialog.dataset.guestId = g.id;
  error.hidden = true;
  ok.disabled = false;
  form.onsubmit = async (ev) => {
    if (!ev.submitter || ev.submitter.value !== 'ok') return;
    ev.preventDefault();
    ok.disabled = true;
    error.hidden = true;
    try {
      const json = await post(a.path(g), a.payload(form));
      dialog.close('done');
      onDone(a.done(g, json), false);
    } catch (e) {
      replace(error, actionError(e));
      error.dataset.status = e.status || '';
      error.hidden = false;
      ok.disabled = false;
    }
  };
  dialog.showModal();
}
