// The dashboard: each host with the guests it runs, coloured by state, their restore point age against the RPO,
// compatibility verdicts, running replications, and the live event timeline. It refreshes on every event and every
// few seconds, without a page reload.

import {get, items} from './api.js';
import {actionButtons} from './actions.js';
import {h, replace} from './dom.js';
import {bytes, duration, eventName, time, words} from './format.js';
import {guest as toGuest, guestTone, host as toHost, hostTone} from './model.js';

const POLL_MS = 2000;
const TONE_WORDS = {ok: 'OK', risk: 'At risk', over: 'Failed over', lost: 'Lost', idle: 'Not protected'};

/** Loads hosts and guests: {hosts, guests, hostsById, guestsById}. */
export async function loadSite() {
  const [hj, gj] = await Promise.all([get('/hosts'), get('/guests')]);
  const hosts = items(hj, 'hosts').map(toHost);
  const guests = items(gj, 'guests').map(toGuest);
  return {hosts, guests, hostsById: new Map(hosts.map((x) => [x.id, x])),
    guestsById: new Map(guests.map((x) => [x.id, x]))};
}

function stateBadge(state, tone) {
  return h('span', {class: ['badge', `tone-${tone}`], 'data-state': state}, words(state));
}

function hostFacts(hst) {
  const facts = [];
  if (hst.kind) facts.push(`${String(hst.kind).replace(/_/g, ' ')}${hst.version ? ` ${hst.version}` : ''}`);
  if (hst.leaseSeconds !== null) facts.push(`lease ${duration(hst.leaseSeconds)} left`);
  if (hst.lastHeardSeconds !== null) facts.push(`heard ${duration(hst.lastHeardSeconds)} ago`);
  return facts.join(' · ');
}

/** The age of the newest point against the RPO, as text and a meter. */
export function rpoLine(g) {
  if (g.rpoSeconds === null && g.pointAgeSeconds === null) return null;
  const text = g.pointAgeSeconds === null ? 'No restore point yet'
    : `Newest point ${duration(g.pointAgeSeconds)} old`;
  const meter = g.rpoSeconds ? h('meter', {min: 0, max: g.rpoSeconds * 1.5, low: g.rpoSeconds * 0.8,
    high: g.rpoSeconds, optimum: 0, value: Math.min(g.pointAgeSeconds ?? g.rpoSeconds * 1.5, g.rpoSeconds * 1.5),
    'aria-label': `restore point age against RPO of ${g.name}`}) : null;
  return h('div', {class: ['rpo', g.rpoExceeded ? 'rpo-exceeded' : null]},
      h('span', {}, text, g.rpoSeconds ? ` · RPO ${duration(g.rpoSeconds)}` : '',
          g.rpoExceeded ? h('strong', {class: 'flag'}, ' · RPO exceeded') : ''), meter);
}

/** The compatibility verdict of a guest against its standby. */
export function compatLine(g) {
  const c = g.compatibility;
  if (!c) return null;
  const tone = c.verdict === 'OK' ? 'ok' : c.verdict === 'CONVERT' ? 'idle' : 'risk';
  return h('div', {class: 'compat', title: c.summary || null},
      'Standby ', g.standbyHostId || '', ': ', h('span', {class: ['verdict', `tone-${tone}`], 'data-verdict': c.verdict},
          c.verdict), c.summary ? h('span', {class: 'muted'}, ` ${c.summary}`) : null);
}

/** A progress bar for a running replication. */
export function progressLine(g) {
  const r = g.replication;
  if (!r) return g.backupInFlight ? h('div', {class: 'replication'}, h('span', {class: 'muted'}, 'Replicating…')) : null;
  const pct = r.bytesTotal ? Math.min(100, (100 * r.bytesDone) / r.bytesTotal) : null;
  const rate = r.elapsedSeconds ? r.bytesDone / r.elapsedSeconds : null;
  const bar = h('progress', {class: 'replication-bar', max: r.bytesTotal || 1, value: r.bytesTotal ? r.bytesDone : null,
    'data-done': r.bytesDone, 'data-total': r.bytesTotal ?? '', 'aria-label': `replication of ${g.name}`});
  return h('div', {class: 'replication', 'data-guest-id': g.id}, bar,
      h('span', {class: 'progress-text'}, pct !== null ? `${pct.toFixed(0)} % · ` : '', bytes(r.bytesDone),
          r.bytesTotal ? ` of ${bytes(r.bytesTotal)}` : '', rate ? ` · ${bytes(rate)}/s` : ''));
}

/** The step a running failback of the guest is at, from the newest FailbackStep event the feed holds. */
function failbackLine(g, site) {
  const step = site.failbackSteps && site.failbackSteps.get(g.id);
  if (g.state !== 'FAILING_BACK' || !step) return null;
  return h('div', {class: 'failing-back', 'data-step': step.step || ''}, `Failing back to ${g.primaryHostId}: `,
      h('strong', {}, words(step.step)), ` ${String(step.status || '').toLowerCase()}`);
}

function guestRow(g, site, notify) {
  const tone = guestTone(g, site.hostsById);
  const moved = g.ownerHostId && g.primaryHostId && g.ownerHostId !== g.primaryHostId;
  return h('li', {class: ['guest', `tone-${tone}`], 'data-guest-id': g.id, 'data-state': g.state, 'data-tone': tone},
      h('div', {class: 'guest-head'},
          h('a', {class: 'guest-name', href: `#/guest/${encodeURIComponent(g.id)}`}, g.name),
          stateBadge(g.state, tone),
          tone === 'lost' ? h('span', {class: ['badge', 'tone-lost']}, 'Host lost') : null),
      moved ? h('div', {class: 'muted'}, `Runs on ${g.ownerHostId} instead of ${g.primaryHostId}`) : null,
      rpoLine(g), compatLine(g), progressLine(g), failbackLine(g, site),
      g.blockedReason ? h('div', {class: 'warn'}, `Replication blocked: ${g.blockedReason}`) : null,
      g.lastFailure ? h('div', {class: 'muted'}, `Last backup failure: ${g.lastFailure}`) : null,
      h('div', {class: 'actions'}, actionButtons(g, site.hostsById, notify)));
}

function hostCard(hst, guests, site, notify) {
  const tone = hostTone(hst);
  return h('section', {class: ['host', 'card', `tone-${tone}`], 'data-host-id': hst.id, 'data-state': hst.state,
    'aria-labelledby': `host-${hst.id}`},
  h('h2', {id: `host-${hst.id}`}, h('span', {class: 'host-name'}, hst.name), stateBadge(hst.state, tone)),
  h('p', {class: 'facts muted'}, hostFacts(hst)),
  hst.notArmed ? h('p', {class: 'warn'}, `No automatic failover: ${hst.notArmed}`) : null,
  guests.length ? h('ul', {class: 'guests'}, guests.map((g) => guestRow(g, site, notify)))
    : h('p', {class: 'muted empty'}, 'No protected guests run here.'));
}

function summary(site) {
  const counts = {};
  for (const g of site.guests) {
    const t = guestTone(g, site.hostsById);
    counts[t] = (counts[t] || 0) + 1;
  }
  const parts = Object.entries(counts).map(([t, n]) => h('span', {class: ['badge', `tone-${t}`]}, `${n} ${TONE_WORDS[t]}`));
  return [h('span', {}, `${site.hosts.length} host${site.hosts.length === 1 ? '' : 's'}, `
      + `${site.guests.length} guest${site.guests.length === 1 ? '' : 's'}`), ...parts];
}

/** One line of the timeline. */
export function eventItem(e, guestsById) {
  const g = e.guestId ? guestsById.get(e.guestId) : null;
  let text = e.text;
  if (text) {
    for (const other of guestsById.values()) text = text.split(other.id).join(other.name);
  }
  const about = [g ? g.name : e.guestId, e.hostId].filter(Boolean).join(' on ');
  return h('li', {class: ['event', `event-${String(e.type).replace(/[^A-Za-z0-9_-]/g, '')}`], 'data-event-id': e.id,
    'data-type': e.type},
  h('time', {datetime: e.at.toISOString()}, time(e.at)), ' ',
  h('strong', {}, eventName(e.type)), about ? ` · ${about}` : '', e.user ? ` · by ${e.user}` : '',
  text ? h('div', {class: 'muted'}, text) : null);
}

/** The timeline panel fed by the EventFeed. */
export function timeline(feed, getGuests) {
  const list = h('ol', {class: 'timeline-list', id: 'timeline', reversed: true});
  const status = h('span', {class: 'feed-state', id: 'feed-state', 'data-state': feed.state}, feed.state);
  const draw = () => replace(list, feed.newestFirst().slice(0, 60).map((e) => eventItem(e, getGuests())));
  draw();
  const onEvent = () => draw();
  const onState = (st) => {
    status.dataset.state = st;
    replace(status, st === 'live' ? 'live' : st === 'reconnecting' ? 'reconnecting…' : st);
  };
  feed.onEvent.add(onEvent);
  feed.onState.add(onState);
  const panel = h('aside', {class: 'timeline card', 'aria-labelledby': 'timeline-title'},
      h('h2', {id: 'timeline-title'}, 'Events ', status), list,
      h('p', {class: 'muted empty'}, 'Newest first; updates live.'));
  return {panel, dispose: () => {
    feed.onEvent.delete(onEvent);
    feed.onState.delete(onState);
  }};
}

/** Draws the dashboard in main; returns a function that stops its timers. */
export function renderDashboard(main, feed, notify) {
  let site = {hosts: [], guests: [], hostsById: new Map(), guestsById: new Map()};
  const hostsEl = h('div', {class: 'hosts', id: 'hosts', 'aria-busy': 'true'}, h('p', {class: 'muted'}, 'Loading…'));
  const summaryEl = h('p', {class: 'summary', id: 'summary'});
  const tl = timeline(feed, () => site.guestsById);
  replace(main, h('h1', {class: 'visually-hidden'}, 'Dashboard'), summaryEl,
      h('div', {class: 'layout'}, hostsEl, tl.panel));
  let lastDrawn = '';
  let timer = null;
  let soon = null;
  let stopped = false;
  const refresh = async () => {
    clearTimeout(timer);
    try {
      site = await loadSite();
      site.failbackSteps = new Map();
      for (const e of feed.newestFirst()) {
        if (e.type === 'FailbackStep' && e.guestId && !site.failbackSteps.has(e.guestId)) {
          site.failbackSteps.set(e.guestId, e.raw.data || {});
        }
      }
      notify(null);
      const key = JSON.stringify([site.hosts, site.guests, [...site.failbackSteps]]);
      if (key !== lastDrawn) {
        lastDrawn = key;
        const byHost = new Map(site.hosts.map((x) => [x.id, []]));
        const elsewhere = [];
        for (const g of site.guests) (byHost.get(g.ownerHostId) || elsewhere).push(g);
        replace(hostsEl, site.hosts.map((x) => hostCard(x, byHost.get(x.id), site, notify)),
            elsewhere.length ? h('section', {class: 'host card'}, h('h2', {}, 'Guests on no known host'),
                h('ul', {class: 'guests'}, elsewhere.map((g) => guestRow(g, site, notify)))) : null,
            site.hosts.length === 0 ? h('p', {class: 'muted empty'}, 'The coordinator knows no hosts yet.') : null);
        replace(summaryEl, summary(site));
        hostsEl.setAttribute('aria-busy', 'false');
        hostsEl.dataset.loadedAt = String(Date.now());
      }
    } catch (e) {
      if (e.status !== 401) notify(`Cannot load the status: ${e.message}`, true);
    }
    if (!stopped) timer = setTimeout(refresh, document.hidden ? POLL_MS * 5 : POLL_MS);
  };
  const onEvent = () => {
    clearTimeout(soon);
    soon = setTimeout(refresh, 200);
  };
  feed.onEvent.add(onEvent);
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(soon);
    feed.onEvent.delete(onEvent);
    tl.dispose();
  };
}
