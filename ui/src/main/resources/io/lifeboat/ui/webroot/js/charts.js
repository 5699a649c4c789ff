// Hand-written SVG charts: the age of a guest's newest restore point over time against its RPO, and drill RTOs.

import {s} from './dom.js';
import {duration, time} from './format.js';

const W = 640;
const H = 240;
const PAD = {left: 56, right: 16, top: 16, bottom: 36};

function frame(title, desc) {
  return s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title,
    preserveAspectRatio: 'xMidYMid meet'}, s('title', {}, title), s('desc', {}, desc));
}

function yAxis(svg, maxY, ticks, y) {
  for (const v of ticks) {
    const yy = y(v);
    svg.append(s('line', {x1: PAD.left, x2: W - PAD.right, y1: yy, y2: yy, class: 'grid'}),
        s('text', {x: PAD.left - 6, y: yy + 4, class: 'tick', 'text-anchor': 'end'}, duration(v)));
  }
  svg.append(s('line', {x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom, class: 'axis'}),
      s('line', {x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: 'axis'}));
}

/**
 * The age of the newest restore point from the first point to now: it grows by one second per second and drops
 * when a new point becomes available (its commit time when known, else its snapshot time). The RPO is a dashed line;
 * every tooth above it is time the guest was at risk.
 */
export function rpoChart(points, rpoSeconds, now = new Date()) {
  const ps = points.filter((p) => p.takenAt).sort((a, b) => a.takenAt - b.takenAt).slice(-200);
  const title = 'Age of the newest restore point over time, against the RPO';
  if (ps.length === 0) return null;
  const avail = (p) => (p.committedAt && p.committedAt >= p.takenAt ? p.committedAt : p.takenAt);
  const verts = [];
  for (let i = 0; i < ps.length; i++) {
    const a = avail(ps[i]);
    verts.push([a, (a - ps[i].takenAt) / 1000]);
    const until = i + 1 < ps.length ? avail(ps[i + 1]) : now;
    verts.push([until, (until - ps[i].takenAt) / 1000]);
  }
  const t0 = avail(ps[0]).getTime();
  const t1 = Math.max(now.getTime(), t0 + 1000);
  const maxAge = Math.max(...verts.map((v) => v[1]), rpoSeconds || 0, 1);
  const maxY = maxAge * 1.15;
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  const exceeded = rpoSeconds ? verts.filter((v) => v[1] > rpoSeconds).length : 0;
  const svg = frame(title, `${ps.length} restore points; RPO ${rpoSeconds ? duration(rpoSeconds) : 'not set'}; `
      + `newest point age now ${duration(verts[verts.length - 1][1])}`
      + (exceeded ? '; the age went above the RPO' : ''));
  const ticks = [0, maxAge / 2, maxAge].map((v) => Math.round(v));
  yAxis(svg, maxY, ticks, y);
  for (let i = 0; i <= 3; i++) {
    const t = t0 + ((t1 - t0) * i) / 3;
    svg.append(s('text', {x: x(t), y: H - PAD.bottom + 18, class: 'tick',
      'text-anchor': i === 0 ? 'start' : i === 3 ? 'end' : 'middle'}, time(new Date(t))));
  }
  const d = verts.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(v[0].getTime()).toFixed(1)},${y(v[1]).toFixed(1)}`)
      .join(' ');
  svg.append(s('path', {d: `${d} L${x(t1).toFixed(1)},${y(0)} L${x(t0).toFixed(1)},${y(0)} Z`, class: 'age-area'}),
      s('path', {d, class: 'age-line'}));
  if (rpoSeconds) {
    svg.append(s('line', {x1: PAD.left, x2: W - PAD.right, y1: y(rpoSeconds), y2: y(rpoSeconds), class: 'rpo-line'}),
        s('text', {x: W - PAD.right - 4, y: y(rpoSeconds) - 6, class: 'rpo-label', 'text-anchor': 'end'},
            `RPO ${duration(rpoSeconds)}`));
  }
  for (const p of ps) {
    const a = avail(p);
    svg.append(s('circle', {cx: x(a.getTime()), cy: y((a - p.takenAt) / 1000), r: 3, class: 'point-dot'},
        s('title', {}, `${p.id} (taken ${time(p.takenAt)})`)));
  }
  return svg;
}

/** One bar per drill, oldest left: the RTO it achieved. */
export function rtoChart(drills) {
  const ds = drills.filter((d) => d.rtoSeconds !== null).sort((a, b) => (a.startedAt || 0) - (b.startedAt || 0))
      .slice(-30);
  if (ds.length === 0) return null;
  const maxY = Math.max(...ds.map((d) => d.rtoSeconds), 1) * 1.15;
  const y = (v) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  const svg = frame('Recovery time (RTO) of each drill', `${ds.length} drills; longest RTO `
      + `${duration(Math.max(...ds.map((d) => d.rtoSeconds)))}`);
  yAxis(svg, maxY, [0, Math.round(maxY / 2.3), Math.round(maxY / 1.15)], y);
  const slot = (W - PAD.left - PAD.right) / ds.length;
  ds.forEach((d, i) => {
    const bx = PAD.left + i * slot + slot * 0.15;
    const ok = !d.outcome || ['OK', 'PASSED', 'SUCCEEDED', 'SUCCESS'].includes(d.outcome);
    svg.append(s('rect', {x: bx, y: y(d.rtoSeconds), width: slot * 0.7, height: y(0) - y(d.rtoSeconds),
      class: ok ? 'bar' : 'bar bar-failed'}, s('title', {}, `${d.plan} ${time(d.startedAt)}: RTO ${duration(d.rtoSeconds)}`
          + (d.outcome ? ` (${d.outcome})` : ''))));
    if (ds.length <= 12) {
      svg.append(s('text', {x: bx + slot * 0.35, y: H - PAD.bottom + 18, class: 'tick', 'text-anchor': 'middle'},
          d.startedAt ? d.startedAt.toLocaleDateString([], {month: 'short', day: 'numeric'}) : String(i + 1)));
    }
  });
  return svg;
}
