// Reads the coordinator's JSON into the few shapes the page draws, tolerating optional fields.

import {bytes, duration, parseTime} from './format.js';

const num = (v) => (v === null || v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v));
const first = (...vs) => vs.find((v) => v !== null && v !== undefined && v !== '');

/** A host: id, state (UP, SUSPECTED, LOST, FENCED, MAINTENANCE), facts, lease. */
export function host(j) {
  const facts = j.facts || {};
  const lease = j.lease || {};
  return {
    id: String(first(j.hostId, j.id)),
    name: first(j.name, j.hostId, j.id),
    state: String(first(j.state, 'UNKNOWN')).toUpperCase(),
    kind: first(j.hypervisorKind, facts.hypervisorKind, facts.kind),
    armed: first(j.failoverArmed, null),
    version: first(j.hypervisorVersion, facts.hypervisorVersion, facts.version),
    cpuVirtualization: first(facts.cpuVirtualization, facts.hardwareVirtualization, facts.vtx),
    leaseSeconds: num(first(lease.remainingSeconds, lease.expiresInSeconds, j.leaseRemainingSeconds)),
    lastHeardSeconds: num(first(lease.lastHeardSecondsAgo, lease.sinceLastRenewalSeconds, j.lastHeartbeatSecondsAgo)),
    notArmed: first(j.failoverNotArmedReason, j.notArmedReason),
  };
}

/** The running replication of a guest as {bytesDone, bytesTotal, bytesSent, elapsedSeconds}, or null. */
function replication(j) {
  const r = first(j.replication, j.replicationProgress, j.progress);
  if (r && typeof r === 'object') {
    const done = num(first(r.bytesRead, r.bytesDone, r.readBytes));
    const total = num(first(r.bytesTotal, r.totalBytes));
    if (r.running === false || r.active === false || (done === null && total === null)) return null;
    return {bytesDone: done || 0, bytesTotal: total, bytesSent: num(first(r.bytesSent, r.sentBytes)),
      elapsedSeconds: num(first(r.elapsedSeconds, r.elapsed))};
  }
  const done = num(first(j.progressBytes, j.replicationBytesRead));
  const total = num(first(j.progressTotalBytes, j.replicationBytesTotal));
  return done === null ? null : {bytesDone: done, bytesTotal: total, bytesSent: null, elapsedSeconds: null};
}

/** A compatibility verdict {verdict: OK|CONVERT|REFUSE, summary, steps}, or null. */
function compatibility(j) {
  const c = j.compatibility;
  if (c && typeof c === 'object') {
    return {verdict: String(first(c.verdict, c.compatibility, c.result, '?')).toUpperCase(),
      summary: first(c.summary, c.reason, c.detail, ''), steps: Array.isArray(c.steps) ? c.steps : []};
  }
  if (typeof c === 'string') {
    return {verdict: c.toUpperCase(), summary: first(j.compatibilitySummary, j.compatibilityReason, ''),
      steps: Array.isArray(j.compatibilitySteps) ? j.compatibilitySteps : []};
  }
  return null;
}

/** A guest: id, name, state, hosts, RPO and newest point age, verdict, running replication. */
export function guest(j) {
  const rpo = j.rpo && typeof j.rpo === 'object' ? j.rpo : {};
  const g = {
    id: String(first(j.guestId, j.id)),
    name: first(j.name, j.guestId, j.id),
    state: String(first(j.state, j.protectionState, 'UNKNOWN')).toUpperCase(),
    primaryHostId: first(j.primaryHostId, j.primary),
    standbyHostId: first(j.standbyHostId, j.standby),
    ownerHostId: first(j.ownerHostId, j.runningOnHostId, j.hostId, j.primaryHostId, j.primary),
    rpoSeconds: num(first(j.rpoSeconds, rpo.targetSeconds, rpo.seconds)),
    pointAgeSeconds: num(first(j.newestPointAgeSeconds, j.lastPointAgeSeconds, rpo.ageSeconds)),
    newestPointId: first(j.newestPointId, j.lastPointId),
    pointCount: num(j.pointCount),
    compatibility: compatibility(j),
    replication: replication(j),
    backupInFlight: !!first(j.backupInFlight, j.replicationRunning),
    blockedReason: first(j.replicationBlockedReason, j.blockedReason),
    nextBackupInSeconds: num(j.nextBackupInSeconds),
    recovery: j.recovery && typeof j.recovery === 'object' ? j.recovery : null,
    plan: first(j.plan, null),
    lastFailure: first(j.lastBackupFailure, j.lastReplicationFailure),
  };
  g.rpoExceeded = typeof j.rpoExceeded === 'boolean' ? j.rpoExceeded
    : g.rpoSeconds !== null && g.pointAgeSeconds !== null && g.pointAgeSeconds > g.rpoSeconds;
  return g;
}

/** Parses the UTC stamp at the end of a restore point id (<guest id>/<yyyyMMddTHHmmssZ>). */
function timeFromPointId(id) {
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(id || '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

/** A restore point: id, when its snapshot was taken and committed, sizes, verified. */
export function point(j) {
  const id = String(first(j.pointId, j.id));
  return {
    id,
    takenAt: parseTime(first(j.snapshotTime, j.takenAt, j.snapshotAt, j.createdAt, j.time)) || timeFromPointId(id),
    committedAt: parseTime(first(j.committedAt, j.committedTime)),
    bytesRead: num(first(j.bytesRead, j.readBytes)),
    bytesSent: num(first(j.bytesSent, j.sentBytes)),
    sizeBytes: num(first(j.sizeBytes, j.logicalBytes, j.bytesTotal)),
    verified: first(j.verified, j.verifiedAt ? true : null),
    storeId: first(j.storeHostId, j.storeId, j.store),
  };
}

function failureText(f) {
  if (!f) return '';
  if (typeof f === 'string') return f;
  return [f.code, f.message || f.detail].filter(Boolean).join(': ');
}

/** "START_ON_PRIMARY" → "start on primary". */
function stepName(step) {
  return String(step || '').toLowerCase().replace(/_/g, ' ');
}

/** A line of text for an event from its data (lifeboat.v1 field names, lowerCamel). */
function describe(type, d) {
  switch (type) {
    case 'Audit':
      return `${d.user || '?'}: ${d.action || '?'}${d.target ? ` ${d.target}` : ''}`
          + `${d.allowed === false ? ' (refused)' : ''}${d.detail ? ` · ${d.detail}` : ''}`;
    case 'ReplicationCommitted':
      return `point ${d.pointId || '?'}${d.bytesSent !== undefined ? `, ${bytes(d.bytesSent)} sent` : ''}`
          + `${d.durationSeconds !== undefined ? ` in ${duration(d.durationSeconds)}` : ''}`;
    case 'ReplicationFailed':
      return `${d.stage ? `at ${d.stage}: ` : ''}${failureText(d.failure)}`;
    case 'HostSuspected':
    case 'HostLost':
      return `silent for ${duration(d.silenceSeconds)}${d.failoverArmed === false ? ' · failover not armed' : ''}`;
    case 'FailoverStepStarted':
    case 'FailoverStepCompleted':
      return `${String(d.step || '').toLowerCase().replace(/_/g, ' ')}${d.targetHostId ? ` on ${d.targetHostId}` : ''}`
          + `${d.detail ? ` · ${d.detail}` : ''}`;
    case 'FailoverStepFailed':
      return `${String(d.step || '').toLowerCase().replace(/_/g, ' ')}: ${failureText(d.failure)}`
          + `${d.willRetry ? ' (will retry)' : ''}`;
    case 'FailbackStep':
      return `${stepName(d.step)} ${String(d.status || '').toLowerCase()}`
          + `${d.attempt > 1 ? ` (attempt ${d.attempt})` : ''}`
          + `${d.standbyHostId && d.primaryHostId ? ` · ${d.standbyHostId} → ${d.primaryHostId}` : ''}`
          + `${d.downtimeSeconds !== undefined ? ` · downtime ${duration(d.downtimeSeconds)}` : ''}`
          + `${d.keptPointId && d.step === 'RESUME_PROTECTION' ? ` · kept point ${d.keptPointId}` : ''}`
          + `${d.failure ? ` · ${failureText(d.failure)}` : d.detail ? ` · ${d.detail}` : ''}`;
    case 'DrillStarted':
      return `plan ${d.plan || '?'}, ${(d.guestIds || []).length} guest(s)${d.startedBy ? `, by ${d.startedBy}` : ''}`;
    case 'DrillStep':
      return `${stepName(d.step)} ${String(d.status || '').toLowerCase()}`
          + `${d.elapsedSeconds !== undefined ? ` · RTO ${duration(d.elapsedSeconds)}` : ''}`
          + `${d.failure ? ` · ${failureText(d.failure)}` : ''}${d.drillId ? ` · drill ${d.drillId}` : ''}`;
    case 'DrillReport':
      return `plan ${d.plan || '?'}: ${d.success ? 'PASSED' : 'FAILED'}, ${(d.guests || []).length} guest(s)`;
    case 'Fenced':
      return `${d.reason ? String(d.reason).toLowerCase().replace(/_/g, ' ') : 'fenced'}`
          + `${d.fencedBy ? ` by ${d.fencedBy}` : ''}`;
    case 'FenceFailed':
      return `could not be fenced${d.agentHostId ? ` by ${d.agentHostId}` : ''}`
          + `${d.hypervisorUri ? ` through ${d.hypervisorUri}` : ''}: ${failureText(d.failure)}`
          + ' · failover goes on (safe by the lease TTL)';
    default: {
      const parts = Object.entries(d).filter(([k, v]) => !/Id$|^id$/.test(k) && v !== null && typeof v !== 'object')
          .slice(0, 4).map(([k, v]) => `${k} ${v}`);
      return parts.join(', ');
    }
  }
}

/** An event: id, type, time, the guest and host it concerns, a line of text. */
export function event(j, sseType) {
  const type = String(first(j.type, j.kind, j.eventType, sseType !== 'message' ? sseType : null, 'event'));
  const data = j.data && typeof j.data === 'object' ? j.data : {};
  return {
    id: String(first(j.id, j.eventId, j.seq, '')),
    type,
    at: parseTime(first(j.at, j.time, j.timestamp, j.occurredAt)) || new Date(),
    guestId: first(j.guestId, data.guestId, j.guest),
    hostId: first(j.hostId, data.hostId, j.host),
    user: type === 'Audit' ? null : first(j.user, data.user, j.actor),
    text: first(j.summary, j.message, j.text, j.detail, j.description) || describe(type, data),
    raw: j,
  };
}

/** The longest of a drill's per-guest values of key (the plan recovers when its slowest guest does). */
function slowest(guests, key) {
  const vs = guests.map((g) => num(g[key])).filter((v) => v !== null);
  return vs.length ? Math.max(...vs) : null;
}

/**
 * A drill report: id, plan, start, outcome (PASSED, FAILED or RUNNING), its RTO (the slowest guest's time to a
 * verified boot) and RPO (the oldest restore point used), and per guest {guestId, name, passed, pointId,
 * pointAgeSeconds, rtoSeconds, failure, evidence, drillName, hostId, teardown} as far as the answer tells.
 */
export function drill(j) {
  const started = parseTime(first(j.startedAt, j.started, j.at));
  const guests = Array.isArray(j.guests) ? j.guests.filter((g) => g && typeof g === 'object') : [];
  const outcome = typeof j.passed === 'boolean' ? (j.passed ? 'PASSED' : 'FAILED')
    : String(first(j.outcome, j.result, j.status, j.state, '')).toUpperCase();
  return {
    id: String(first(j.drillId, j.id)),
    plan: first(j.plan, j.planName, ''),
    startedAt: started,
    finishedAt: parseTime(first(j.finishedAt, j.finished)),
    durationSeconds: num(j.durationSeconds),
    startedBy: first(j.startedBy, null),
    outcome,
    rtoSeconds: num(first(j.rtoSeconds, j.rto)) ?? slowest(guests, 'rtoSeconds'),
    rpoSeconds: num(first(j.rpoSeconds, j.rpo)) ?? slowest(guests, 'pointAgeSeconds'),
    guests: Array.isArray(j.guests) ? j.guests.length : num(j.guestCount),
    results: guests.map((g) => ({
      guestId: String(first(g.guestId, g.id, '')),
      name: first(g.guest, g.name, g.guestId),
      passed: g.passed === true,
      pointId: first(g.pointId, null),
      pointAgeSeconds: num(g.pointAgeSeconds),
      rtoSeconds: num(g.rtoSeconds),
      failure: g.failure ? failureText(g.failure) : null,
      evidence: first(g.evidence, null),
      drillName: first(g.drillName, null),
      hostId: first(g.hostId, null),
      teardown: g.teardown && typeof g.teardown === 'object' ? g.teardown : null,
    })),
  };
}

/** A recovery plan: name, the standby its guests recover on, its guests in recovery order. */
export function plan(j) {
  const entries = Array.isArray(j.entries) ? j.entries.map((e) => e.guestId).filter(Boolean) : [];
  const listed = Array.isArray(j.guestIds) ? j.guestIds.map(String) : [];
  // Recovery order from the plan's entries, then any guest protected under the plan that no entry names.
  const guestIds = [...entries.filter((id) => listed.length === 0 || listed.includes(id)),
    ...listed.filter((id) => !entries.includes(id))];
  return {name: String(first(j.name, '')), targetHostId: first(j.targetHostId, j.target, null), guestIds};
}

/**
 * The newest failback of a guest from its FailbackStep events (REST shape): {operationId, primaryHostId,
 * standbyHostId, steps: [{step, status, detail, attempt, failure, at}], step, status, over, succeeded,
 * downtimeSeconds, keptPointId, elapsedSeconds, failure}; null when the guest was never failed back.
 */
export function failback(events) {
  const mine = events.filter((e) => e.type === 'FailbackStep');
  if (mine.length === 0) return null;
  const last = mine[mine.length - 1].raw.data || {};
  const steps = mine.filter((e) => (e.raw.data || {}).operationId === last.operationId).map((e) => {
    const d = e.raw.data || {};
    return {step: String(d.step || ''), status: String(d.status || ''), detail: d.detail || '', attempt: num(d.attempt),
      failure: d.failure ? failureText(d.failure) : null, at: e.at};
  });
  const end = steps[steps.length - 1];
  const over = ['RESUME_PROTECTION', 'ROLLED_BACK'].includes(end.step) && end.status !== 'STARTED';
  return {
    operationId: String(last.operationId || ''),
    primaryHostId: last.primaryHostId || null,
    standbyHostId: last.standbyHostId || null,
    steps,
    step: end.step,
    status: end.status,
    over,
    succeeded: over && end.step === 'RESUME_PROTECTION',
    downtimeSeconds: num(last.downtimeSeconds),
    keptPointId: first(last.keptPointId, null),
    elapsedSeconds: num(last.elapsedSeconds),
    failure: [...steps].reverse().map((st) => st.failure).find(Boolean) || null,
  };
}

/**
 * The colour class of a guest on the dashboard: ok, risk (RPO exceeded or compatibility problem), over (failing
 * over, failed over, failing back), lost (its host is lost and it is not yet recovered) or idle (unprotected).
 */
export function guestTone(g, hostsById) {
  if (['FAILING_OVER', 'FAILED_OVER', 'FAILING_BACK'].includes(g.state)) return 'over';
  const owner = hostsById.get(g.ownerHostId);
  if (owner && ['LOST', 'FENCED'].includes(owner.state)) return 'lost';
  if (g.state === 'UNPROTECTED') return 'idle';
  if (g.state === 'AT_RISK' || g.rpoExceeded || (g.compatibility && g.compatibility.verdict === 'REFUSE')) {
    return 'risk';
  }
  if (owner && owner.state === 'SUSPECTED') return 'risk';
  return g.state === 'PROTECTED' ? 'ok' : 'idle';
}

/** The colour class of a host. */
export function hostTone(h) {
  return {UP: 'ok', SUSPECTED: 'risk', LOST: 'lost', FENCED: 'lost', MAINTENANCE: 'idle'}[h.state] || 'idle';
}
