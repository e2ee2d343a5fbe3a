/**
 * The queue's invariants (issue 3; reliability.md §2), checked against the database and the counting
 * SMTP sink's ledger after a run of real worker processes. One implementation for the tests and for
 * `npm run torture`: each check returns PASS/FAIL with the figures behind it.
 *
 * I1 one invitation per (tenant, campaign, order_ref), and as many as were created;
 * I2 no limbo: nothing `sending` past its lease plus a sweep; drained = every invitation terminal or
 *    pending with a future time;
 * I3 fencing evidence: one `sent` attempt and one `sent` event per invitation, made by its last
 *    attempt; no attempt left open that its invitation no longer holds;
 * I4 copies at the sink per Message-ID <= 1 + the invitation's uncertain attempts, and every `sent`
 *    invitation really reached the sink;
 * I5 after a suppression or skip committed, the sink gets no copy that an attempt in flight at that
 *    moment does not explain, and no attempt claimed after it ends `sent`;
 * I6 no worker session idle in a transaction (sampled by sampleIdleInTransaction during the run);
 * RL per-tenant budgets (rate_limits): attempts started (what the claim counts) in any rolling window <= the budget;
 * RL-SINK the same for copies received by the sink (what the provider sees).
 * Numbered as issue 3 and src/db/queue/invariants.md (not as reliability.md, whose list is longer).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { bareMessageId, type SinkDelivery } from './counting-smtp-sink.ts';
import { WORKER_APPLICATION_PREFIX } from './worker-process.ts';

export type InvariantResult = { id: string; title: string; pass: boolean; figures: string };

/** A suppression or skip: its invitations and when it had committed (Date.now() after the commit returned). */
export type Stop = { what: string; invitationIds: readonly number[]; committedAt: number };

export type InvariantInput = {
  deliveries: readonly SinkDelivery[];
  expectedInvitations?: number;
  /** The run is over: every invitation must be terminal or pending with a future time. */
  drained: boolean;
  /** A lease that ended longer ago than this is stuck (the lease plus one sweep, with room for load). */
  sweepSlackMs: number;
  stops?: readonly Stop[];
  /** Worst count of workers' sessions seen idle in a transaction, over how many samples. */
  idleInTransaction?: { worst: number; samples: number };
  /** Worst count of stuck leases (countStuckLeases) seen while the run went on, and what the sweeper was doing then. */
  stuckDuringRun?: { worst: number; samples: number; seen?: string[] };
  leaseLostLogs?: number;
  /** Check per-tenant rolling budgets (rate_limits) against the attempt ledger and the sink's timestamps. */
  rateLimits?: boolean;
};

type InvitationFacts = { id: number; tenant_id: number; state: string; uncertain: number };

const result = (id: string, title: string, pass: boolean, figures: string): InvariantResult => ({ id, title, pass, figures });

export function invitationIdOf(messageId: string): number | undefined {
  const match = /^invitation-(\d+)@/.exec(bareMessageId(messageId));
  return match ? Number(match[1]) : undefined;
}

export async function checkQueueInvariants(db: Kysely<Database>, input: InvariantInput): Promise<InvariantResult[]> {
  const facts = await sql<InvitationFacts>`
    SELECT i.id, i.tenant_id, i.state,
           (SELECT count(*) FROM delivery_attempts a WHERE a.invitation_id = i.id AND a.outcome = 'uncertain')::int AS uncertain
    FROM invitations i`.execute(db);
  const byId = new Map(facts.rows.map((f) => [f.id, f]));
  const copies = new Map<number, number>();
  let unknown = 0;
  for (const d of input.deliveries) {
    const id = invitationIdOf(d.messageId);
    if (id === undefined || !byId.has(id)) unknown++;
    else copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  const results = [
    await checkI1(db, input),
    await checkI2(db, input),
    await checkI3(db, input),
    checkI4(facts.rows, copies, unknown, input),
    await checkI5(db, input),
  ];
  if (input.idleInTransaction) {
    const { worst, samples } = input.idleInTransaction;
    results.push(result('I6', 'no transaction open across network I/O', worst === 0, `${samples} pg_stat_activity samples, at most ${worst} worker session(s) idle in transaction > 1 s`));
  }
  if (input.rateLimits) results.push(...(await checkRollingLimits(db, byId, input.deliveries)));
  return results;
}

async function checkI1(db: Kysely<Database>, input: InvariantInput): Promise<InvariantResult> {
  const { rows } = await sql<{ total: number; dup: number }>`
    SELECT (SELECT count(*) FROM invitations)::int AS total,
           (SELECT count(*) FROM (SELECT 1 FROM invitations GROUP BY tenant_id, campaign_id, order_ref HAVING count(*) > 1) d)::int AS dup`.execute(db);
  const { total, dup } = rows[0]!;
  const countOk = input.expectedInvitations === undefined || total === input.expectedInvitations;
  return result('I1', 'one invitation per (tenant, campaign, order_ref)', dup === 0 && countOk, `${total} invitations${input.expectedInvitations === undefined ? '' : ` (expected ${input.expectedInvitations})`}, ${dup} duplicated keys`);
}

async function checkI2(db: Kysely<Database>, input: InvariantInput): Promise<InvariantResult> {
  const { rows } = await sql<{ state: string; n: number; stuck: number; due: number }>`
    SELECT state, count(*)::int AS n,
           count(*) FILTER (WHERE leased_until < now() - ${input.sweepSlackMs}::int * interval '1 millisecond')::int AS stuck,
           count(*) FILTER (WHERE state = 'pending' AND scheduled_at <= now())::int AS due
    FROM invitations GROUP BY state ORDER BY state`.execute(db);
  const n = (state: string) => rows.find((r) => r.state === state)?.n ?? 0;
  const stuck = rows.reduce((s, r) => s + r.stuck, 0);
  const due = rows.reduce((s, r) => s + r.due, 0);
  const during = input.stuckDuringRun;
  const pass = stuck === 0 && (!input.drained || (n('sending') === 0 && due === 0)) && (during === undefined || during.worst === 0);
  const states = rows.map((r) => `${r.state} ${r.n}`).join(', ') || 'no invitations';
  const sampled = during === undefined ? '' : `; during the run at most ${during.worst} stuck over ${during.samples} samples${during.seen?.length ? ` — ${during.seen.join(' | ')}` : ''}`;
  return result('I2', 'every invitation terminal or pending with a future time; none stuck sending', pass, `${states}; ${stuck} sending past lease + ${input.sweepSlackMs} ms; ${due} pending and due${sampled}`);
}

async function checkI3(db: Kysely<Database>, input: InvariantInput): Promise<InvariantResult> {
  const { rows } = await sql<{ double_attempts: number; double_events: number; not_last: number; dangling: number }>`
    SELECT
      (SELECT count(*) FROM (SELECT 1 FROM delivery_attempts WHERE outcome = 'sent' GROUP BY invitation_id HAVING count(*) > 1) x)::int AS double_attempts,
      (SELECT count(*) FROM (SELECT 1 FROM invitation_events WHERE type = 'sent' GROUP BY invitation_id HAVING count(*) > 1) x)::int AS double_events,
      (SELECT count(*) FROM invitations i WHERE i.state = 'sent' AND NOT EXISTS (
         SELECT 1 FROM delivery_attempts a WHERE a.invitation_id = i.id AND a.outcome = 'sent' AND a.attempt = i.attempts))::int AS not_last,
      (SELECT count(*) FROM delivery_attempts a JOIN invitations i ON i.id = a.invitation_id
         WHERE a.outcome IS NULL AND NOT (i.state = 'sending' AND i.lease_token = a.lease_token))::int AS dangling`.execute(db);
  const r = rows[0]!;
  const pass = r.double_attempts === 0 && r.double_events === 0 && r.not_last === 0 && r.dangling === 0;
  const logs = input.leaseLostLogs === undefined ? '' : `; ${input.leaseLostLogs} "lease lost" log line(s) from fenced workers`;
  return result(
    'I3',
    'fencing: a lost lease changes nothing',
    pass,
    `${r.double_attempts} invitations with 2+ sent attempts, ${r.double_events} with 2+ sent events, ${r.not_last} sent by other than their last attempt, ${r.dangling} open attempts not holding their invitation${logs}`,
  );
}

function checkI4(facts: InvitationFacts[], copies: Map<number, number>, unknown: number, input: InvariantInput): InvariantResult {
  let unexplained = 0;
  let duplicates = 0;
  let sentMissing = 0;
  let uncertain = 0;
  let sent = 0;
  for (const f of facts) {
    const n = copies.get(f.id) ?? 0;
    uncertain += f.uncertain;
    if (n > 1) duplicates += n - 1;
    if (n > 1 + f.uncertain) unexplained += n - 1 - f.uncertain;
    if (f.state === 'sent') {
      sent++;
      if (n === 0) sentMissing++;
    }
  }
  const pass = unexplained === 0 && sentMissing === 0 && unknown === 0;
  return result(
    'I4',
    'copies per Message-ID <= 1 + uncertain attempts; every sent invitation reached the sink',
    pass,
    `${input.deliveries.length} received, ${copies.size} distinct Message-IDs, ${duplicates} duplicate(s) (${duplicates - unexplained} explained by ${uncertain} uncertain attempt(s), ${unexplained} unexplained); ${sent} sent, ${sentMissing} of them never received; ${unknown} unknown Message-IDs`,
  );
}

async function checkI5(db: Kysely<Database>, input: InvariantInput): Promise<InvariantResult> {
  const stops = input.stops ?? [];
  if (stops.length === 0) return result('I5', 'nothing delivered after its suppression or skip', true, 'no suppressions or skips in this run');
  let violations = 0;
  let stopped = 0;
  let lateButInFlight = 0;
  for (const stop of stops) {
    stopped += stop.invitationIds.length;
    const at = new Date(stop.committedAt);
    const { rows } = await sql<{ invitation_id: number; in_flight: number; sent_after: number }>`
      SELECT i.id AS invitation_id,
             count(a.id) FILTER (WHERE a.started_at <= ${at} AND (a.finished_at IS NULL OR a.finished_at >= ${at} OR a.outcome = 'uncertain'))::int AS in_flight,
             count(a.id) FILTER (WHERE a.started_at > ${at} AND a.outcome = 'sent')::int AS sent_after
      FROM invitations i LEFT JOIN delivery_attempts a ON a.invitation_id = i.id
      WHERE i.id = ANY(${[...stop.invitationIds]}::bigint[])
      GROUP BY i.id`.execute(db);
    for (const row of rows) {
      const late = input.deliveries.filter((d) => d.receivedAt > stop.committedAt && invitationIdOf(d.messageId) === row.invitation_id).length;
      if (late > row.in_flight || row.sent_after > 0) violations++;
      else if (late > 0) lateButInFlight++;
    }
  }
  return result(
    'I5',
    'nothing delivered after its suppression or skip',
    violations === 0,
    `${stops.length} suppression/skip batch(es) over ${stopped} invitations; ${violations} delivered afterwards without an attempt already in flight; ${lateButInFlight} arrived afterwards from an attempt already in flight`,
  );
}

/** The most of these (sorted) instants that fall inside any one window of windowMs. */
function busiestWindow(times: number[], windowMs: number): number {
  let worst = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= windowMs) i++;
    worst = Math.max(worst, j - i + 1);
  }
  return worst;
}

/**
 * Per tenant budget overriding its channel's (rate_limits rows with max_count set; the key is the
 * channel): the busiest window of attempts started (RL: what the claim counts — every attempt but
 * those that never called out, skipped at send time or released by a stopping worker) and of copies
 * received by the sink (RL-SINK: what the provider sees, each copy at the moment its DATA arrived)
 * must both stay within it. They differ by the time between a claim and its message reaching the
 * provider: an attempt started near the end of one window can arrive in the next.
 */
async function checkRollingLimits(db: Kysely<Database>, byId: Map<number, InvitationFacts>, deliveries: readonly SinkDelivery[]): Promise<InvariantResult[]> {
  const { rows } = await sql<{ tenant_id: number; key: string; max_count: number; window_seconds: number }>`
    SELECT tenant_id, key, max_count, window_seconds FROM rate_limits WHERE max_count IS NOT NULL ORDER BY tenant_id, key`.execute(db);
  const claimed: string[] = [];
  const seen: string[] = [];
  let claimsPass = true;
  let sinkPass = true;
  for (const row of rows) {
    const windowMs = row.window_seconds * 1000;
    const { rows: started } = await sql<{ at: Date; outcome: string | null; latency_ms: number | null }>`
      SELECT started_at AS at, outcome, (extract(epoch FROM finished_at - started_at) * 1000)::int AS latency_ms FROM delivery_attempts
      WHERE tenant_id = ${row.tenant_id} AND rate_key = ${row.key} AND outcome IS DISTINCT FROM 'skipped' AND outcome IS DISTINCT FROM 'released'
      ORDER BY started_at`.execute(db);
    const received = deliveries
      .filter((d) => byId.get(invitationIdOf(d.messageId) ?? -1)?.tenant_id === row.tenant_id)
      .map((d) => d.receivedAt)
      .sort((x, y) => x - y);
    const worstStarted = busiestWindow(started.map((r) => r.at.getTime()), windowMs);
    const worstReceived = busiestWindow(received, windowMs);
    const slowest = started.reduce((m, r) => (r.outcome === 'sent' ? Math.max(m, r.latency_ms ?? 0) : m), 0);
    if (worstStarted > row.max_count) claimsPass = false;
    if (worstReceived > row.max_count) sinkPass = false;
    const budget = `tenant ${row.tenant_id} ${row.key} (limit ${row.max_count} per ${row.window_seconds} s)`;
    claimed.push(`${budget}: at most ${worstStarted} attempts started`);
    seen.push(`${budget}: at most ${worstReceived} received (sent attempts took up to ${slowest} ms from claim to reply)`);
  }
  return [
    result('RL', 'per-tenant rolling limits never exceeded by the attempts claimed', claimsPass, claimed.join('; ') || 'no budgets configured'),
    result('RL-SINK', 'per-tenant rolling limits never exceeded at the provider (the sink)', sinkPass, seen.join('; ') || 'no budgets configured'),
  ];
}

/** Invitations `sending` whose lease ended more than slackMs ago: the sweeper should have had them. */
export async function countStuckLeases(db: Kysely<Database>, slackMs: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM invitations
    WHERE state = 'sending' AND leased_until < now() - ${slackMs}::int * interval '1 millisecond'`.execute(db);
  return rows[0]!.n;
}

/** Worker sessions (application_name ri-worker-*) idle inside a transaction for over a second, now. */
export async function sampleIdleInTransaction(db: Kysely<Database>): Promise<{ count: number; queries: string[] }> {
  const { rows } = await sql<{ query: string }>`
    SELECT query FROM pg_stat_activity
    WHERE datname = current_database() AND application_name LIKE ${`${WORKER_APPLICATION_PREFIX}%`}
      AND state LIKE 'idle in transaction%' AND state_change < clock_timestamp() - interval '1 second'`.execute(db);
  return { count: rows.length, queries: rows.map((r) => r.query) };
}

/** Samples I2 (stuck leases) and I6 (idle in transaction) while a run goes on; feed its figures to checkQueueInvariants. */
export function createRunSampler(db: Kysely<Database>, sweepSlackMs: number) {
  const idleInTransaction = { worst: 0, samples: 0 };
  const stuckDuringRun = { worst: 0, samples: 0, seen: [] as string[] };
  const idleQueries: string[] = [];
  return {
    idleInTransaction,
    stuckDuringRun,
    idleQueries,
    async sample(): Promise<void> {
      try {
        const idle = await sampleIdleInTransaction(db);
        idleInTransaction.samples++;
        idleInTransaction.worst = Math.max(idleInTransaction.worst, idle.count);
        idleQueries.push(...idle.queries);
        const stuck = await countStuckLeases(db, sweepSlackMs);
        stuckDuringRun.samples++;
        stuckDuringRun.worst = Math.max(stuckDuringRun.worst, stuck);
        if (stuck > 0 && stuckDuringRun.seen.length < 5) stuckDuringRun.seen.push(await describeSweeper(db, stuck));
      } catch {
        // The database may be unreachable on purpose (an outage test): no sample this time.
      }
    },
  };
}

/** For a stuck-lease sample: how late the oldest lease is, and the sweeper's last run and leader. */
async function describeSweeper(db: Kysely<Database>, stuck: number): Promise<string> {
  const { rows } = await sql<{ lease_over_ms: number; sweep_ago_ms: number | null; sweeper: string | null; leader: string | null }>`
    SELECT (extract(epoch FROM now() - (SELECT min(leased_until) FROM invitations WHERE state = 'sending')) * 1000)::int AS lease_over_ms,
           (SELECT (extract(epoch FROM now() - last_run_at) * 1000)::int FROM periodic_runs WHERE task = 'sweep_leases') AS sweep_ago_ms,
           (SELECT worker_id FROM periodic_runs WHERE task = 'sweep_leases') AS sweeper,
           (SELECT a.application_name || ' pid ' || a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1) AS leader`.execute(db);
  const r = rows[0]!;
  return `${stuck} stuck, oldest lease over ${r.lease_over_ms} ms ago, last sweep ${r.sweep_ago_ms} ms ago by ${r.sweeper}, lock held by ${r.leader ?? 'nobody'}`;
}

export function formatInvariants(results: readonly InvariantResult[]): string {
  return results.map((r) => `${r.pass ? 'PASS' : 'FAIL'} ${r.id} ${r.title}: ${r.figures}`).join('\n');
}
