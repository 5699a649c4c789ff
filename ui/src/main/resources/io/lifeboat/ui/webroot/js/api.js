// The coordinator's REST API (/api/v1). The session cookie is HttpOnly (the browser sends it); the CSRF token lives
// only in this module's memory: never in the DOM, a URL or the browser's web storage.

export const BASE = '/api/v1';

let session = null; // {user, role, csrf}
const sessionListeners = new Set();

/** An HTTP failure with the problem details (RFC 9457) the coordinator sent, if any. */
export class ApiError extends Error {
  constructor(status, problem, retryAfterSeconds, path) {
    const detail = problem && (problem.detail || problem.title);
    super(detail ? `${detail} (HTTP ${status})` : `${path}: HTTP ${status}`);
    this.status = status;
    this.problem = problem || null;
    this.retryAfterSeconds = retryAfterSeconds;
    this.path = path;
  }
}

/** The logged-in user ({user, role}), or null. */
export function currentSession() {
  return session ? {user: session.user, role: session.role} : null;
}

/** Whether the logged-in user may run admin actions (true when the coordinator did not say: it decides anyway). */
export function mayAct() {
  return !!session && (session.role === null || session.role === 'admin');
}

/** Calls listener(sessionOrNull) whenever the session starts or ends. */
export function onSessionChange(listener) {
  sessionListeners.add(listener);
}

function setSession(next) {
  session = next;
  for (const l of sessionListeners) l(currentSession());
}

function retryAfter(response, problem) {
  const header = response.headers.get('Retry-After');
  if (header) {
    const n = Number(header);
    if (!Number.isNaN(n)) return n;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, Math.round((at - Date.now()) / 1000));
  }
  return problem && typeof problem.retryAfterSeconds === 'number' ? problem.retryAfterSeconds : null;
}

async function body(response) {
  const type = response.headers.get('Content-Type') || '';
  if (response.status === 204 || !type.includes('json')) return null;
  try {
    return await response.json();
  } catch (e) {
    return null;
  }
}

/** Sends a request; resolves with the JSON body, rejects with an ApiError. A 401 ends the session. */
export async function request(method, path, payload) {
  const headers = {Accept: 'application/json'};
  if (method !== 'GET' && method !== 'HEAD') {
    if (session && session.csrf) headers['X-CSRF-Token'] = session.csrf;
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(BASE + path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const json = await body(response);
  if (!response.ok) {
    const err = new ApiError(response.status, json, retryAfter(response, json), path);
    if (response.status === 401 && path !== '/session' && session) setSession(null);
    throw err;
  }
  return json;
}

export const get = (path) => request('GET', path);
export const post = (path, payload) => request('POST', path, payload === undefined ? {} : payload);

function roleOf(json) {
  if (!json) return null;
  if (typeof json.role === 'string') return json.role.toLowerCase();
  if (Array.isArray(json.roles) && json.roles.length) {
    return json.roles.map((r) => String(r).toLowerCase()).includes('admin') ? 'admin' : 'viewer';
  }
  return null;
}

function adopt(json, fallbackUser) {
  const csrf = json && (json.csrfToken || json.csrf);
  if (!csrf) return false;
  setSession({user: (json && (json.user || json.name || json.username)) || fallbackUser, role: roleOf(json), csrf});
  return true;
}

/** Logs in; rejects with an ApiError (401 wrong user or password, 429 with retryAfterSeconds). */
export async function login(user, password) {
  const json = await request('POST', '/session', {user, password});
  if (!adopt(json, user)) throw new ApiError(500, {detail: 'the coordinator sent no CSRF token'}, null, '/session');
  return currentSession();
}

/** Picks up a session that is still open after a reload, if the coordinator tells its CSRF token again. */
export async function resume() {
  try {
    return adopt(await request('GET', '/session')) ? currentSession() : null;
  } catch (e) {
    return null;
  }
}

/** Logs out (the session ends here even when the coordinator cannot be reached). */
export async function logout() {
  try {
    await request('DELETE', '/session');
  } finally {
    setSession(null);
  }
}

/** The array inside a list response: the response itself, or its first array-valued field. */
export function items(json, key) {
  if (Array.isArray(json)) return json;
  if (!json) return [];
  if (key && Array.isArray(json[key])) return json[key];
  for (const k of ['items', 'data', 'results']) if (Array.isArray(json[k])) return json[k];
  const first = Object.values(json).find(Array.isArray);
  return first || [];
}
