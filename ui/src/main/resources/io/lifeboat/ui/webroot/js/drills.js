// Drill history: a table of reports and a chart of the RTO each achieved.

import {get, items} from './api.js';
import {rtoChart} from './charts.js';
import {h, replace} from './dom.js';
import {duration, time, words} from './format.js';
import {drill as toDrill} from './model.js';

function emptyState() {
  return h('section', {class: 'card', id: 'drills-empty'},
      h('p', {class: 'empty'}, 'No DR drill has run yet.'),
      h('p', {class: 'muted'}, 'A drill boots the newest restore point of each guest of a recovery plan on its '
          + 'standby, isolated from the production network, and measures how long recovery takes.'));
}

function row(d) {
  return h('tr', {'data-drill-id': d.id},
      h('td', {}, d.startedAt ? time(d.startedAt) : '—'),
      h('td', {}, d.plan),
      h('td', {}, words(d.outcome) || '—'),
      h('td', {class: 'num'}, d.rtoSeconds !== null ? duration(d.rtoSeconds) : '—'),
      h('td', {class: 'num'}, d.rpoSeconds !== null ? duration(d.rpoSeconds) : '—'),
      h('td', {class: 'num'}, d.guests ?? '—'));
}

function history(drills) {
  const head = h('thead', {}, h('tr', {}, ['Started', 'Plan', 'Outcome', 'RTO', 'RPO', 'Guests']
      .map((c) => h('th', {scope: 'col'}, c))));
  const body = h('tbody', {}, [...drills].sort((a, b) => (b.startedAt || 0) - (a.startedAt || 0)).map(row));
  return h('section', {class: 'card'}, h('h2', {}, 'History'),
      h('div', {class: 'table-wrap'}, h('table', {id: 'drills'}, head, body)));
}

function chartCard(drills) {
  const chart = rtoChart(drills);
  return h('section', {class: 'card'}, h('h2', {}, 'Recovery time per drill'),
      chart ? h('figure', {class: 'chart-wrap', id: 'rto-chart'}, chart)
        : h('p', {class: 'muted'}, 'No RTO measured yet.'));
}

/** Draws the drill page in main; returns a function that stops it. */
export function renderDrills(main, notify) {
  let stopped = false;
  replace(main, h('p', {class: 'muted'}, 'Loading…'));
  (async () => {
    try {
      const drills = items(await get('/drills'), 'drills').map(toDrill);
      if (stopped) return;
      replace(main, h('h1', {}, 'DR drills'), drills.length === 0 ? emptyState() : [chartCard(drills), history(drills)]);
    } catch (e) {
      if (!stopped && e.status !== 401) notify(`Cannot load the drills: ${e.message}`, true);
    }
  })();
  return () => {
    stopped = true;
  };
}
