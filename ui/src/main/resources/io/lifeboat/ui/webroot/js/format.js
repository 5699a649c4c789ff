// Formatting of durations, sizes and times for people.

/** "42 s", "5 min 3 s", "2 h 10 min", "3 d 4 h". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  let v = Math.max(0, Math.round(seconds));
  if (v < 60) return `${v} s`;
  if (v < 3600) return `${Math.floor(v / 60)} min${v % 60 ? ` ${v % 60} s` : ''}`;
  if (v < 86400) return `${Math.floor(v / 3600)} h${v % 3600 >= 60 ? ` ${Math.floor((v % 3600) / 60)} min` : ''}`;
  return `${Math.floor(v / 86400)} d${v % 86400 >= 3600 ? ` ${Math.floor((v % 86400) / 3600)} h` : ''}`;
}

/** "1.5 GiB". */
export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A local time of day, with the date when it is not today. */
export function time(date) {
  if (!date || Number.isNaN(date.getTime())) return '—';
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  const t = date.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
  return sameDay ? t : `${date.toLocaleDateString()} ${t}`;
}

/** Parses an ISO time, a number of epoch seconds or milliseconds; null when absent. */
export function parseTime(v) {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return new Date(v > 1e12 ? v : v * 1000);
  if (typeof v === 'object' && v.seconds !== undefined) return new Date(Number(v.seconds) * 1000);
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "FAILED_OVER" → "Failed over". */
export function words(upperSnake) {
  if (!upperSnake) return '';
  const w = String(upperSnake).replace(/_/g, ' ').toLowerCase();
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** "ReplicationCommitted" or "replication_committed" → "Replication committed". */
export function eventName(type) {
  if (!type) return 'Event';
  const w = String(type).replace(/[_.]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return w.charAt(0).toUpperCase() + w.slice(1);
}
