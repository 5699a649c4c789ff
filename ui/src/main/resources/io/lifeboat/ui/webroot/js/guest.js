// The page of one guest: its state, compatibility verdict, its latest failover and failback (with the failback's
// steps and downtime), restore points and a plot of the newest point's age against its RPO over time.

import {get, items} from './api.js';
import {actionButtons, drillButton} from './actions.js';
import {rpoChart} from './charts.js';
import {h, replace} from './dom.js';
import {bytes, duration, time, words} from './format.js';
import {event as toEvent, failback as toFailback, guest as toGuest, guestTone, plan as toPlan, point as toPoint}
  from './model.js';
import {compatLine, loadSite, progressLine, rpoLine} from './dashboard.js';

const POLL_MS = 5000;

/** The guest's latest failover: its operation, current step and outcome. */
function recoveryLine(g) {
  const r = g.recovery;
  if (!r) return null;
  const step = String(r.step || '').toLowerCase().replace(/_/g, ' ');
  const outcome = r.failedOverAt ? `failed over at ${time(new Date(r.failedOverAt))}`
    : r.abandonedAt ? `abandoned at ${time(new Date(r.abandonedAt))}`
      : `step ${step} (${String(r.stepStatus || '').toLowerCase()}), attempt ${r.attempt ?? 1}`;
  return h('p', {class: 'recovery', 'data-operation-id': r.operationId || ''},
      'Latest failover', r.operationId ? h('code', {}, ` ${r.operationId}`) : '', `: ${outcome}`,
      r.pointId ? ` from point ${r.pointId.split('/').pop()}` : '', '.');
}

/** The guest's FailbackStep events, oldest first, page by page (a failback journals about ten). */
async function failbackEvents(guestId) {
  const out = [];
  let after = null;
  for (let page = 0; page < 10; page++) {
    const json = await get(`/events?type=FailbackStep&guest=${encodeURIComponent(guestId)}&limit=1000`
        + `${after !== null ? `&after=${encodeURIComponent(after)}` : ''}`);
    const list = items(json, 'events');
    out.push(...list.map((j) => toEvent(j)));
    if (list.length < 1000) break;
    after = json.nextAfter;
  }
  return out;
}

/** The guest's latest failback: its steps so far, the outcome, the downtime and the restore point kept. */
function failbackCard(f) {
  if (!f) return null;
  const outcome = !f.over ? `running: ${words(f.step).toLowerCase()} (${f.status.toLowerCase()})`
    : f.succeeded ? `back on ${f.primaryHostId}` : `rolled back, still on ${f.standbyHostId}`;
  return h('section', {class: ['card', 'failback'], id: 'failback', 'data-operation-id': f.operationId,
    'data-step': f.step, 'data-over': String(f.over), 'data-succeeded': String(f.succeeded),
    'data-downtime-seconds': f.downtimeSeconds ?? ''},
  h('h2', {}, `Latest failback ${f.standbyHostId} → ${f.primaryHostId}`),
  h('p', {class: 'failback-outcome'}, h('code', {}, f.operationId), `: ${outcome}`,
      f.downtimeSeconds !== null ? h('span', {class: 'downtime'}, ` · downtime ${duration(f.downtimeSeconds)}`
          + ' (from the stop on the standby to the verified boot)') : '',
      f.elapsedSeconds !== null ? ` · took ${duration(f.elapsedSeconds)} in all` : '', '.'),
  f.keptPointId ? h('p', {class: 'kept-point'}, `${f.primaryHostId}'s disk state before the failback is kept as `
      + 'restore point ', h('code', {}, f.keptPointId), '.') : null,
  f.failure ? h('p', {class: f.succeeded ? 'warn' : 'error'}, f.failure) : null,
  h('ol', {class: 'failback-steps'}, f.steps.map((st) => h('li', {'data-step': st.step, 'data-status': st.status},
      h('time', {datetime: st.at.toISOString()}, time(st.at)), ' ', h('strong', {}, words(st.step)), ' ',
      st.status.toLowerCase(), st.attempt > 1 ? ` (attempt ${st.attempt})` : '',
      st.detail ? h('span', {class: 'muted'}, ` · ${st.detail}`) : null))));
}

function pointsTable(points) {
  if (points.length === 0) return h('p', {class: 'muted empty'}, 'No restore points yet.');
  const rows = [...points].sort((a, b) => (b.takenAt || 0) - (a.takenAt || 0)).map((p) => h('tr', {'data-point-id': p.id},
      h('td', {}, h('code', {}, p.id)),
      h('td', {}, p.takenAt ? h('time', {datetime: p.takenAt.toISOString()}, time(p.takenAt)) : '—'),
      h('td', {class: 'num'}, p.takenAt ? duration((Date.now() - p.takenAt) / 1000) : '—'),
      h('td', {class: 'num'}, bytes(p.sizeBytes ?? p.bytesRead)),
      h('td', {class: 'num'}, bytes(p.bytesSent)),
      h('td', {}, p.verified === null || p.verified === undefined ? '—' : p.verified ? 'Yes' : 'No')));
  return h('div', {class: 'table-wrap'}, h('table', {class: 'points', id: 'points'},
      h('caption', {class: 'visually-hidden'}, 'Restore points, newest first'),
      h('thead', {}, h('tr', {}, ['Point', 'Taken', 'Age', 'Size', 'Sent', 'Verified'].map((c) =>
        h('th', {scope: 'col'}, c)))),
      h('tbody', {}, rows)));
}

/**
 * Draws the guest page in main; it redraws every few seconds and soon after each event about this guest. Returns a
 * function that stops it.
 */
export function renderGuest(main, guestId, notify, feed) {
  let stopped = false;
  let timer = null;
  let soon = null;
  replace(main, h('p', {class: 'muted'}, 'Loading…'));
  const refresh = async () => {
    clearTimeout(timer);
    try {
      const [site, gj, pj, fj, plans] = await Promise.all([loadSite(), get(`/guests/${encodeURIComponent(guestId)}`),
        get(`/guests/${encodeURIComponent(guestId)}/points`), failbackEvents(guestId), get('/plans')]);
      if (stopped) return;
      const g = toGuest(gj && gj.guest ? gj.guest : gj);
      const plan = items(plans, 'plans').map(toPlan).find((p) => p.name === g.plan);
      const points = items(pj, 'points').map(toPoint);
      const tone = guestTone(g, site.hostsById);
      const chart = rpoChart(points, g.rpoSeconds);
      const c = g.compatibility;
      const stepsOpen = !!main.querySelector('details[open]');
      replace(main,
          h('p', {}, h('a', {href: '#/'}, '← Dashboard')),
          h('section', {class: ['card', 'guest-page', `tone-${tone}`], 'data-guest-id': g.id, 'data-state': g.state},
              h('h1', {}, g.name, ' ', h('span', {class: ['badge', `tone-${tone}`], 'data-state': g.state},
                  words(g.state))),
              h('dl', {class: 'facts'},
                  h('dt', {}, 'Guest id'), h('dd', {}, h('code', {}, g.id)),
                  h('dt', {}, 'Runs on'), h('dd', {}, g.ownerHostId || '—'),
                  h('dt', {}, 'Primary'), h('dd', {}, g.primaryHostId || '—'),
                  h('dt', {}, 'Standby'), h('dd', {}, g.standbyHostId || '—'),
                  h('dt', {}, 'RPO'), h('dd', {}, g.rpoSeconds !== null ? duration(g.rpoSeconds) : '—'),
                  h('dt', {}, 'Restore points'), h('dd', {}, String(points.length))),
              rpoLine(g), compatLine(g), recoveryLine(g),
              c && c.steps.length ? h('details', {open: stepsOpen}, h('summary', {}, 'Conversion steps'),
                  h('ol', {}, c.steps.map((st) => h('li', {}, typeof st === 'string' ? st : JSON.stringify(st)))))
                : null,
              progressLine(g),
              h('div', {class: 'actions'}, actionButtons(g, site.hostsById, notify),
                  plan ? drillButton(plan, site.guestsById, notify) : null)),
          failbackCard(toFailback(fj)),
          h('section', {class: 'card'}, h('h2', {}, 'Restore point age against the RPO'),
              chart ? h('figure', {class: 'chart-wrap', id: 'rpo-chart'}, chart,
                  h('figcaption', {class: 'muted'}, 'The line is the age of the newest restore point; it drops when a '
                      + 'new point is committed. Above the dashed line the guest was outside its RPO.'))
                : h('p', {class: 'muted empty'}, 'The plot appears after the first restore point.')),
          h('section', {class: 'card'}, h('h2', {}, 'Restore points'), pointsTable(points)));
    } catch (e) {
      if (stopped) return;
      if (e.status === 404) {
        replace(main, h('p', {class: 'error'}, `No guest ${guestId}.`), h('p', {}, h('a', {href: '#/'}, 'Dashboard')));
        return;
      }
      if (e.status !== 401) notify(`Cannot load guest ${guestId}: ${e.message}`, true);
    }
    if (!stopped) {
      clearTimeout(timer);
      timer = setTimeout(refresh, POLL_MS);
    }
  };
  const onEvent = (e) => {
    if (e.guestId !== guestId) return;
    clearTimeout(soon);
    soon = setTimeout(refresh, 200);
  };
  if (feed) feed.onEvent.add(onEvent);
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(soon);
    if (feed) feed.onEvent.delete(onEvent);
  };
}
