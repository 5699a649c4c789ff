// The live event feed: GET /events for history and gaps, GET /events/stream (server-sent events) for what happens
// next. It resumes after a drop: the browser reconnects with Last-Event-ID, and when it gives up the feed reopens
// the stream itself after fetching what it missed (?after=<last id>).

import {BASE, get, items} from './api.js';
import {event as toEvent} from './model.js';

// Named SSE events the coordinator may send (besides unnamed "message" events): the lifeboat.v1 event types.
const NAMED = ['HostSuspected', 'HostLost', 'HostStateChanged', 'GuestStateChanged', 'ReplicationStarted',
  'ReplicationProgress', 'ReplicationCommitted', 'ReplicationFailed', 'FailoverStepStarted',
  'FailoverStepCompleted', 'FailoverStepFailed', 'FailbackStep', 'DrillStarted', 'DrillStep', 'DrillReport',
  'Fenced', 'FenceFailed', 'Audit', 'event'];
const PAGE = 100;

function compareIds(a, b) {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps the newest events and tells listeners about each new one and about the connection's state. */
export class EventFeed {
  constructor(keep = 200) {
    this.keep = keep;
    this.events = [];
    this.ids = new Set();
    this.lastId = null;
    this.source = null;
    this.retryMs = 1000;
    this.timer = null;
    this.stopped = true;
    this.state = 'connecting';
    this.onEvent = new Set();
    this.onState = new Set();
  }

  /** Loads recent history, then follows the stream. */
  async start() {
    this.stopped = false;
    this.setState('connecting');
    await this.backfill();
    if (!this.stopped) this.open();
  }

  /** Closes the stream and forgets listeners' timers. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
  }

  setState(state) {
    this.state = state;
    for (const l of this.onState) l(state);
  }

  add(e) {
    if (e.id && this.ids.has(e.id)) return false;
    if (e.id) {
      this.ids.add(e.id);
      if (this.lastId === null || compareIds(e.id, this.lastId) > 0) this.lastId = e.id;
    }
    this.events.push(e);
    if (this.events.length > this.keep) {
      const gone = this.events.shift();
      this.ids.delete(gone.id);
    }
    return true;
  }

  /** Fetches the events after the last one seen (all recent ones at first), page by page. */
  async backfill() {
    for (let page = 0; page < 20 && !this.stopped; page++) {
      const q = `?limit=${PAGE}${this.lastId !== null ? `&after=${encodeURIComponent(this.lastId)}` : ''}`;
      let list;
      try {
        list = items(await get(`/events${q}`), 'events');
      } catch (e) {
        return;
      }
      const fresh = list.map((j) => toEvent(j)).sort((a, b) => compareIds(a.id, b.id)).filter((e) => this.add(e));
      for (const e of fresh) for (const l of this.onEvent) l(e);
      if (list.length < PAGE || fresh.length === 0) return;
    }
  }

  open() {
    const url = `${BASE}/events/stream${this.lastId !== null ? `?after=${encodeURIComponent(this.lastId)}` : ''}`;
    const source = new EventSource(url, {withCredentials: true});
    this.source = source;
    let dropped = false;
    const receive = (m) => {
      let j;
      try {
        j = JSON.parse(m.data);
      } catch (err) {
        j = {text: m.data};
      }
      if (j && typeof j === 'object' && !j.id && m.lastEventId) j.id = m.lastEventId;
      const e = toEvent(j, m.type);
      if (this.add(e)) for (const l of this.onEvent) l(e);
    };
    source.onmessage = receive;
    for (const name of NAMED) source.addEventListener(name, receive);
    source.onopen = () => {
      this.retryMs = 1000;
      this.setState('live');
      if (dropped) this.backfill();
    };
    source.onerror = () => {
      dropped = true;
      if (this.stopped) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error, or the stream closed with a non-stream answer): reopen ourselves.
        this.setState('reconnecting');
        source.close();
        this.timer = setTimeout(async () => {
          await this.backfill();
          if (!this.stopped) this.open();
        }, this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 30000);
      } else {
        this.setState('reconnecting');
      }
    };
  }

  /** The kept events, newest first. */
  newestFirst() {
    return [...this.events].sort((a, b) => compareIds(b.id, a.id) || b.at - a.at);
  }
}
