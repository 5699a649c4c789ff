// The page's shell: login, navigation by URL fragment (#/, #/guest/<id>, #/drills, #/drill/<id>), the shared event
// feed and the status banner.

import {currentSession, logout, onSessionChange, resume} from './api.js';
import {renderDashboard} from './dashboard.js';
import {renderDrillReport, renderDrills} from './drills.js';
import {EventFeed} from './events.js';
import {renderGuest} from './guest.js';
import {renderLogin} from './login.js';
import {replace} from './dom.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const whoName = document.getElementById('who-name');
const banner = document.getElementById('banner');

let feed = null;
let dispose = () => {};
let bannerTimer = null;

/**
 * Shows a message in the banner; errors stay until the next message or until notify(null) says the trouble is over,
 * others fade after a while.
 */
function notify(text, isError) {
  if (text === null) {
    if (banner.classList.contains('banner-error')) banner.hidden = true;
    return;
  }
  clearTimeout(bannerTimer);
  banner.hidden = false;
  banner.className = isError ? 'banner banner-error' : 'banner';
  replace(banner, text);
  if (!isError) bannerTimer = setTimeout(() => { banner.hidden = true; }, 15000);
}

function route() {
  dispose();
  dispose = () => {};
  if (!currentSession()) {
    return;
  }
  const hash = location.hash || '#/';
  const m = /^#\/guest\/(.+)$/.exec(hash);
  const d = /^#\/drill\/(.+)$/.exec(hash);
  for (const a of nav.querySelectorAll('a')) {
    const current = (a.dataset.nav === 'drills' && (hash === '#/drills' || !!d))
        || (a.dataset.nav === 'dashboard' && hash === '#/');
    if (current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (m) {
    dispose = renderGuest(main, decodeURIComponent(m[1]), notify, feed);
  } else if (d) {
    dispose = renderDrillReport(main, decodeURIComponent(d[1]), notify, feed);
  } else if (hash === '#/drills') {
    dispose = renderDrills(main, notify, feed);
  } else {
    dispose = renderDashboard(main, feed, notify);
  }
}

function showLogin(notice) {
  dispose();
  dispose = () => {};
  nav.hidden = true;
  who.hidden = true;
  renderLogin(main, () => {}, notice);
}

onSessionChange((s) => {
  if (s) {
    nav.hidden = false;
    who.hidden = false;
    replace(whoName, `${s.user}${s.role ? ` (${s.role})` : ''}`);
    whoName.dataset.role = s.role || '';
    feed = new EventFeed();
    feed.start();
    route();
  } else {
    if (feed) feed.stop();
    feed = null;
    showLogin(main.dataset.loggedOut === 'yes' ? null : 'Your session ended; log in again.');
    main.dataset.loggedOut = '';
  }
});

document.getElementById('logout').addEventListener('click', async () => {
  main.dataset.loggedOut = 'yes';
  try {
    await logout();
  } catch (e) {
    // The session is dropped here anyway.
  }
});

window.addEventListener('hashchange', route);

(async () => {
  if (!(await resume())) showLogin(null);
})();
