// DR drills: the recovery plans with a "Run drill" button each, the drills running now, the history of reports with
// a chart of the RTO each achieved, and one report per page (#/drill/<id>): per guest pass or fail, the restore point
// used and its age, the time to a verified boot, the teardown and the evidence (the tail of the serial console).

import {BASE, get, items} from './api.js';
import {drillButton} from './actions.js';
import {rtoChart} from './charts.js';
import {h, replace} from './dom.js';
import {duration, time, words} from './format.js';
import {drill as toDrill, guest as toGuest, plan as toPlan} from './model.js';

const POLL_MS = 3000;
const DRILL_EVENTS = ['DrillStarted', 'DrillStep', 'DrillReport'];

/** The coordinator's self-contained HTML page of a drill report. */
export function reportHref(drillId) {
  return `${BASE}/drills/${encodeURIComponent(drillId)}?format=html`;
}

function emptyState() {
  return h('section', {class: 'card', id: 'drills-empty'},
      h('p', {class: 'empty'}, 'No DR drill has run yet.'),
      h('p', {class: 'muted'}, 'A drill boots the newest restore point of each guest of a recovery plan on its '
          + 'standby, isolated from the production network, and measures how long recovery takes.'));
}

function outcomeBadge(outcome) {
  const tone = outcome === 'PASSED' ? 'ok' : outcome === 'FAILED' ? 'lost' : 'idle';
  return h('span', {class: ['badge', `tone-${tone}`, 'outcome'], 'data-outcome': outcome}, words(outcome) || '—');
}

function plansCard(plans, guestsById, notify) {
  return h('section', {class: 'card', id: 'plans'}, h('h2', {}, 'Recovery plans'),
      plans.length === 0 ? h('p', {class: 'muted empty'}, 'The coordinator has no recovery plans.')
        : h('ul', {class: 'plans'}, plans.map((p) => h('li', {class: 'plan', 'data-plan': p.name},
            h('strong', {}, p.name), ` · standby ${p.targetHostId || '?'} · `,
            p.guestIds.map((id) => (guestsById.get(id) ? guestsById.get(id).name : id)).join(', ') || 'no guests',
            ' ', drillButton(p, guestsById, notify)))));
}

function runningCard(running) {
  if (running.length === 0) return null;
  return h('section', {class: 'card', id: 'drills-running'}, h('h2', {}, 'Running now'),
      h('ul', {}, running.map((r) => h('li', {'data-drill-id': r.drillId},
          `Plan ${r.plan}`, r.startedBy ? `, started by ${r.startedBy}` : '', ' ', h('code', {}, r.drillId)))));
}

function row(d) {
  return h('tr', {'data-drill-id': d.id, 'data-outcome': d.outcome},
      h('td', {}, d.startedAt ? time(d.startedAt) : '—'),
      h('td', {}, h('a', {href: `#/drill/${encodeURIComponent(d.id)}`, class: 'drill-link'}, d.plan)),
      h('td', {}, outcomeBadge(d.outcome)),
      h('td', {class: 'num rto'}, d.rtoSeconds !== null ? duration(d.rtoSeconds) : '—'),
      h('td', {class: 'num'}, d.rpoSeconds !== null ? duration(d.rpoSeconds) : '—'),
      h('td', {class: 'num'}, d.guests ?? '—'),
      h('td', {}, h('a', {href: reportHref(d.id), target: '_blank', rel: 'noopener', class: 'report-html'}, 'HTML')));
}

function history(drills) {
  const head = h('thead', {}, h('tr', {}, ['Started', 'Plan', 'Outcome', 'RTO', 'RPO', 'Guests', 'Report']
      .map((c) => h('th', {scope: 'col'}, c))));
  const body = h('tbody', {}, [...drills].sort((a, b) => (b.startedAt || 0) - (a.startedAt || 0)).map(row));
  return h('section', {class: 'card'}, h('h2', {}, 'History'),
      h('p', {class: 'muted'}, 'RTO is the slowest guest\'s time to a verified boot; RPO the oldest restore point '
          + 'used. Open a drill for its per-guest results and evidence.'),
      h('div', {class: 'table-wrap'}, h('table', {id: 'drills'}, head, body)));
}

function chartCard(drills) {
  const chart = rtoChart(drills);
  return h('section', {class: 'card'}, h('h2', {}, 'Recovery time per drill'),
      chart ? h('figure', {class: 'chart-wrap', id: 'rto-chart'}, chart)
        : h('p', {class: 'muted'}, 'No RTO measured yet.'));
}

/** Redraws on a timer and soon after each drill event; returns the function that stops both. */
function live(refresh, feed) {
  let timer = null;
  let soon = null;
  let stopped = false;
  const run = async () => {
    clearTimeout(timer);
    await refresh(() => stopped);
    if (!stopped) {
      clearTimeout(timer);
      timer = setTimeout(run, POLL_MS);
    }
  };
  const onEvent = (e) => {
    if (!DRILL_EVENTS.includes(e.type)) return;
    clearTimeout(soon);
    soon = setTimeout(run, 200);
  };
  if (feed) feed.onEvent.add(onEvent);
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(soon);
    if (feed) feed.onEvent.delete(onEvent);
  };
}

/** Draws the drill page in main; returns a function that stops it. */
export function renderDrills(main, notify, feed) {
  replace(main, h('p', {class: 'muted'}, 'Loading…'));
  let lastDrawn = '';
  return live(async (stopped) => {
    try {
      const [dj, pj, gj] = await Promise.all([get('/drills'), get('/plans'), get('/guests')]);
      if (stopped()) return;
      const key = JSON.stringify([dj, pj, gj]);
      if (key === lastDrawn) return;
      lastDrawn = key;
      const drills = items(dj, 'drills').map(toDrill);
      const running = dj && Array.isArray(dj.running) ? dj.running : [];
      const guestsById = new Map(items(gj, 'guests').map(toGuest).map((g) => [g.id, g]));
      replace(main, h('h1', {}, 'DR drills'), plansCard(items(pj, 'plans').map(toPlan), guestsById, notify),
          runningCard(running), drills.length === 0 ? emptyState() : [chartCard(drills), history(drills)]);
    } catch (e) {
      if (!stopped() && e.status !== 401) notify(`Cannot load the drills: ${e.message}`, true);
    }
  }, feed);
}

function teardownText(t) {
  if (!t) return 'not run';
  if (t.nothingLeft) return 'nothing left';
  return `left: ${(t.leftovers || []).join(', ')}`;
}

function guestResult(r) {
  return h('section', {class: ['card', 'drill-guest', r.passed ? 'tone-ok' : 'tone-lost'], 'data-guest-id': r.guestId,
    'data-passed': String(r.passed)},
  h('h2', {}, r.name, ' ', outcomeBadge(r.passed ? 'PASSED' : 'FAILED')),
  h('dl', {class: 'facts'},
      h('dt', {}, 'Restore point'), h('dd', {class: 'point'}, r.pointId ? h('code', {}, r.pointId) : '—'),
      h('dt', {}, 'Point age (RPO)'), h('dd', {class: 'point-age'}, duration(r.pointAgeSeconds)),
      h('dt', {}, 'Verified boot (RTO)'), h('dd', {class: 'rto'}, duration(r.rtoSeconds)),
      h('dt', {}, 'Drill copy'), h('dd', {}, r.drillName ? `${r.drillName}${r.hostId ? ` on ${r.hostId}` : ''}` : '—'),
      h('dt', {}, 'Teardown'), h('dd', {class: 'teardown'}, teardownText(r.teardown))),
  r.failure ? h('p', {class: 'error failure'}, r.failure) : null,
  h('details', {open: true}, h('summary', {}, 'Evidence: the tail of the serial console'),
      r.evidence ? h('pre', {class: 'evidence'}, r.evidence) : h('p', {class: 'muted'}, 'No serial output.')));
}

/** Draws one drill report in main; returns a function that stops it. */
export function renderDrillReport(main, drillId, notify, feed) {
  replace(main, h('p', {class: 'muted'}, 'Loading…'));
  let drawn = false;
  return live(async (stopped) => {
    if (drawn) return;
    try {
      const d = toDrill(await get(`/drills/${encodeURIComponent(drillId)}`));
      if (stopped()) return;
      drawn = true;
      replace(main, h('p', {}, h('a', {href: '#/drills'}, '← Drills')),
          h('section', {class: 'card drill-report', 'data-drill-id': d.id, 'data-outcome': d.outcome},
              h('h1', {}, `Drill of plan ${d.plan} `, outcomeBadge(d.outcome)),
              h('p', {}, d.startedAt ? `Started ${time(d.startedAt)}` : '', d.durationSeconds !== null
                ? `, took ${duration(d.durationSeconds)}` : '', '. RTO ', h('strong', {}, duration(d.rtoSeconds)),
              ', RPO ', h('strong', {}, duration(d.rpoSeconds)), '. ',
              h('a', {href: reportHref(d.id), target: '_blank', rel: 'noopener', class: 'report-html'},
                  'HTML report'))),
          d.results.map(guestResult));
    } catch (e) {
      if (stopped()) return;
      if (e.status === 404) {
        // Still running, or unknown: the page says so and tries again with the next drill event or poll.
        replace(main, h('p', {}, h('a', {href: '#/drills'}, '← Drills')),
            h('p', {class: 'muted', id: 'drill-pending'}, e.problem && e.problem.detail ? e.problem.detail
              : `No report of drill ${drillId} yet.`));
      } else if (e.status !== 401) {
        notify(`Cannot load drill ${drillId}: ${e.message}`, true);
      }
    }
  }, feed);
}
