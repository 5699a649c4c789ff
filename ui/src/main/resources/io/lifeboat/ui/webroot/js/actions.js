// Admin actions, each behind a confirmation dialog that names what it concerns: fail a guest over to its standby or
// back to its primary (per guest), and run a DR drill of a recovery plan (per plan).

import {ApiError, currentSession, mayAct, post} from './api.js';
import {h, replace} from './dom.js';
import {duration} from './format.js';

const operation = (json) => (json && (json.operationId || json.id) ? ` (operation ${json.operationId || json.id})` : '');

/** One precondition the coordinator checks before a failback, with what the page knows of it now. */
function precondition(text, known) {
  return h('li', {class: ['precondition', known === false ? 'warn' : null], 'data-known': known === null ? ''
    : String(known)}, known === true ? '✓ ' : known === false ? '✗ ' : '• ', text);
}

/** What each guest action does, who may run it and when it applies. */
export const ACTIONS = {
  failover: {
    label: 'Fail over now',
    shown: (g) => !['FAILED_OVER', 'FAILING_BACK'].includes(g.state),
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
    done: (g, json) => `Failover of ${g.name} to ${g.standbyHostId} started${operation(json)}.`,
  },
  failback: {
    label: 'Fail back',
    shown: (g) => ['FAILED_OVER', 'FAILING_BACK'].includes(g.state),
    available: (g) => g.state === 'FAILED_OVER' && !!g.primaryHostId,
    path: (g) => `/guests/${encodeURIComponent(g.id)}/failback`,
    title: (g) => `Fail ${g.name} back to ${g.primaryHostId}?`,
    confirmLabel: (g) => `Fail ${g.name} back to ${g.primaryHostId}`,
    body: (g, hostsById) => {
      const runsOn = g.ownerHostId || g.standbyHostId;
      const primary = hostsById.get(g.primaryHostId);
      const primaryState = primary ? primary.state : 'not known';
      return [h('p', {}, 'Guest ', h('strong', {class: 'confirm-guest'}, g.name), ' runs on standby host ',
          h('strong', {class: 'confirm-standby'}, runsOn), ' and returns to its primary host ',
          h('strong', {class: 'confirm-primary'}, g.primaryHostId), '.'),
      h('p', {}, `First ${g.primaryHostId}'s old disk state is kept as a restore point, and the changes made on `
          + `${runsOn} are copied back while ${g.name} keeps running. `,
      h('strong', {class: 'confirm-downtime'}, `Then ${g.name} stops on ${runsOn} for the final delta`),
      ` and starts on ${g.primaryHostId}; the page shows the downtime once the boot is verified. `
          + `If any step fails, ${g.name} runs on ${runsOn} again.`),
      h('p', {}, 'The coordinator checks first that:'),
      h('ul', {class: 'preconditions'},
          precondition(`host ${g.primaryHostId} is back up (now ${primaryState})`, primary ? primary.state === 'UP'
            : false),
          precondition(`no stale copy of ${g.name} runs on ${g.primaryHostId} or is set to autostart there`, null),
          precondition(`${g.name} is compatible with ${g.primaryHostId}`, null),
          precondition(`the restore point ${g.name} was failed over from is known`, null))];
    },
    payload: () => ({}),
    done: (g, json) => `Failback of ${g.name} to ${g.primaryHostId} started${operation(json)}.`,
  },
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

/** Why the logged-in user may not take an action labelled label now, or null when they may. */
function refusal(label, notNow) {
  if (mayAct()) return notNow;
  const who = currentSession();
  return `Only an admin can ${label.toLowerCase()}; you are logged in as ${who ? who.user : 'nobody'}`
      + ` (${who ? who.role : ''}).`;
}

/** An action button, disabled with the reason as its tooltip when why is set. */
function button(name, label, ariaLabel, why, attrs, onClick) {
  const b = h('button', {type: 'button', class: ['action', `action-${name}`], 'data-action': name, ...attrs,
    disabled: !!why, title: why, 'aria-label': ariaLabel}, label);
  b.addEventListener('click', onClick);
  return h('span', {class: 'action-wrap', title: why}, b);
}

/** A button for the action on a guest: disabled with a tooltip for a viewer or when it does not apply now. */
export function actionButton(name, g, hostsById, onDone) {
  const a = ACTIONS[name];
  const why = refusal(a.label, a.available(g) ? null
    : `Not possible while ${g.name} is ${g.state.toLowerCase().replace(/_/g, ' ')}.`);
  return button(name, a.label, `${a.label}: ${g.name}`, why, {'data-guest-id': g.id},
      () => confirmAction(name, g, hostsById, onDone));
}

/**
 * The buttons of every action in ACTIONS that is shown for this guest (an entry may hide itself with shown(g); a
 * shown action that does not apply now is disabled with the reason as its tooltip).
 */
export function actionButtons(g, hostsById, onDone) {
  return Object.entries(ACTIONS).filter(([, a]) => !a.shown || a.shown(g))
      .map(([name]) => actionButton(name, g, hostsById, onDone));
}

/**
 * Opens the confirmation dialog for one action ({name, target, title, body, confirmLabel, path, payload(form),
 * done(json)}); on confirm posts it and reports the outcome in the dialog (an error) or via onDone.
 */
function openConfirm(action, onDone) {
  const dialog = document.getElementById('confirm');
  const form = document.getElementById('confirm-form');
  const error = document.getElementById('confirm-error');
  const ok = document.getElementById('confirm-ok');
  replace(document.getElementById('confirm-title'), action.title);
  replace(document.getElementById('confirm-body'), action.body);
  replace(ok, action.confirmLabel);
  dialog.dataset.action = action.name;
  dialog.dataset.target = action.target;
  error.hidden = true;
  ok.disabled = false;
  form.onsubmit = async (ev) => {
    if (!ev.submitter || ev.submitter.value !== 'ok') return;
    ev.preventDefault();
    ok.disabled = true;
    error.hidden = true;
    try {
      const json = await post(action.path, action.payload(form));
      dialog.close('done');
      onDone(action.done(json), false);
    } catch (e) {
      replace(error, actionError(e));
      error.dataset.status = e.status || '';
      error.hidden = false;
      ok.disabled = false;
    }
  };
  dialog.showModal();
}

/** Opens the confirmation dialog of a guest action. */
export function confirmAction(name, g, hostsById, onDone) {
  const a = ACTIONS[name];
  openConfirm({name, target: g.id, title: a.title(g), body: a.body(g, hostsById), confirmLabel: a.confirmLabel(g),
    path: a.path(g), payload: a.payload, done: (json) => a.done(g, json)}, onDone);
}

/**
 * A "Run drill" button for a recovery plan ({name, targetHostId, guestIds}); its confirmation names the plan, its
 * guests in recovery order and the standby the drill copies boot on.
 */
export function drillButton(plan, guestsById, onDone) {
  const names = plan.guestIds.map((id) => (guestsById.get(id) ? guestsById.get(id).name : id));
  const why = refusal('run a drill', plan.guestIds.length ? null : `Plan ${plan.name} has no guests.`);
  const body = [h('p', {}, 'A DR drill of plan ', h('strong', {class: 'confirm-plan'}, plan.name), ' boots the newest '
      + 'restore point of each of its guests on standby host ', h('strong', {class: 'confirm-host'},
      plan.targetHostId || '?'), ', in recovery order:'),
  h('ol', {class: 'confirm-guests'}, names.map((n) => h('li', {}, n))),
  h('p', {}, 'Each drill copy runs from a copy-on-write overlay under a drill- name, with no production network and '
      + 'never with the guest\'s MAC address; the production guests and their restore points are not touched. '
      + 'The copies are torn down afterwards and the report shows each guest\'s result, restore point age (RPO) '
      + 'and time to a verified boot (RTO).')];
  return button('drill', 'Run drill', `Run drill: plan ${plan.name}`, why, {'data-plan': plan.name},
      () => openConfirm({name: 'drill', target: plan.name, title: `Run a DR drill of plan ${plan.name}?`, body,
        confirmLabel: `Run drill of ${plan.name} on ${plan.targetHostId || 'its standby'}`, path: '/drills',
        payload: () => ({plan: plan.name}),
        done: (json) => `Drill of plan ${plan.name} started${json && json.drillId ? ` (drill ${json.drillId})` : ''}.`},
      onDone));
}
