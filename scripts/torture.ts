/**
 * The long version of test/queue-processes (issue 3): N real `review-invites work` processes drain a
 * big queue on a scratch PostgreSQL database through a counting SMTP server while one worker is
 * SIGKILLed every K seconds and restarted, some addresses are suppressed and some invitations skipped
 * mid-run, every tenant but the first has a per-minute budget small enough to bind for several
 * windows, and the SMTP server drops the connection after DATA now and then; then every invariant
 * (src/db/queue/invariants.md) is checked and printed PASS/FAIL with its figures. Exit 1 on any FAIL.
 *
 *   npm run torture -- --invitations 100000 --workers 4 --kill-every 5 --duration 1800
 *
 * Database server: --database-url, else TORTURE_DATABASE_URL, TEST_DATABASE_URL, or
 * postgres://postgres@127.0.0.1:5432/test. A database `ri_torture_<pid>_<random>` is created on it
 * and dropped at the end, also on SIGINT or SIGTERM (--keep leaves it for a look). The server itself
 * is never restarted. `npm run torture -- --help` lists the options.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDatabase, type DatabaseHandle } from '../src/db/create-database.ts';
import { migrate } from '../src/db/migrate.ts';
import { startCountingSmtpSink, type CountingSmtpSink } from '../test/helpers/counting-smtp-sink.ts';
import { checkQueueInvariants, createRunSampler, formatInvariants, invitationIdOf } from '../test/helpers/queue-invariants.ts';
import { queueCounts, waitForDrain, type QueueCounts } from '../test/helpers/queue-progress.ts';
import { seedDueInvitations, type SeededQueue } from '../test/helpers/seed-queue.ts';
import { stopSomeMidRun, suppressedWhileWaiting, type StoppedMidRun } from '../test/helpers/stop-mid-run.ts';
import { ensureBuilt, startWorkerFleet } from '../test/helpers/worker-process.ts';

const usage = `npm run torture -- [options]

  --invitations <n>    due invitations to drain (20000)
  --workers <n>        review-invites work processes (4)
  --tenants <n>        tenants; the first gets half the invitations (5)
  --kill-every <s>     SIGKILL one worker and restart it every s seconds; 0 = never (5)
  --duration <s>       a cap, not a length: the run ends as soon as the queue has drained, and FAILs
                       (RUN) if it has not drained after s seconds (1800)
  --rate-window <s>    tenants 2..N get a budget per window of s seconds; 0 = no budgets (60)
  --rate-windows <n>   each limited tenant's budget is its invitations / n per window, so the limit
                       binds for about n windows (3)
  --drop-every <n>     the SMTP server drops the connection after every n-th message's DATA, without
                       a reply (an uncertain attempt); 0 = never (500)
  --lease-ms <ms>      WORKER_LEASE_MS of the workers (5000)
  --concurrency <n>    WORKER_CONCURRENCY of each worker (10)
  --database-url <u>   the server to create the scratch database on (TORTURE_DATABASE_URL,
                       TEST_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test)
  --keep               keep the scratch database afterwards
  --help               this text`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      invitations: { type: 'string', default: '20000' },
      workers: { type: 'string', default: '4' },
      tenants: { type: 'string', default: '5' },
      'kill-every': { type: 'string', default: '5' },
      duration: { type: 'string', default: '1800' },
      'rate-window': { type: 'string', default: '60' },
      'rate-windows': { type: 'string', default: '3' },
      'drop-every': { type: 'string', default: '500' },
      'lease-ms': { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '10' },
      'database-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
} catch (err) {
  console.error(`${(err as Error).message}\n\n${usage}`);
  process.exit(2);
}
const args = parsed.values;
if (args.help) {
  console.log(usage);
  process.exit(0);
}

function positive(name: keyof typeof args, min = 1): number {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number >= ${min}`);
    process.exit(2);
  }
  return n;
}

const invitations = positive('invitations');
const workers = positive('workers');
const tenants = positive('tenants');
const killEverySeconds = positive('kill-every', 0);
const durationSeconds = positive('duration');
const leaseMs = positive('lease-ms', 1000);
const concurrency = positive('concurrency');
const rateWindowSeconds = positive('rate-window', 0);
const rateWindows = positive('rate-windows');
const dropEvery = positive('drop-every', 0);
const periodicMs = 1000;
/** One sweep after the lease, with room for a loaded machine: a lease over for longer than this is stuck. */
const sweepSlackMs = Math.max(10_000, 3 * periodicMs);
const baseUrl = args['database-url'] ?? process.env.TORTURE_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const atDatabase = (database: string) => {
  const u = new URL(baseUrl);
  u.pathname = `/${database}`;
  return u.toString();
};
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const describeCounts = (c: QueueCounts) => `sent ${c.sent}, pending ${c.pending} (${c.due} due), sending ${c.sending}, skipped ${c.skipped}, failed ${c.failed}`;

const name = `ri_torture_${process.pid}_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: atDatabase('postgres') });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const url = atDatabase(name);
let database: DatabaseHandle | undefined;
let sink: CountingSmtpSink | undefined;
let cwd: string | undefined;
let fleet: ReturnType<typeof startWorkerFleet> | undefined;

// Once, whoever asks first: the end of the run, or a signal in the middle of it.
let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    await fleet?.killAll();
    await database?.close();
    await sink?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
    if (args.keep) log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  })());
// Ctrl-C, or a SIGTERM from a CI timeout or `kill`: the workers and the scratch database must not outlive us.
let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  const code = signal === 'SIGINT' ? 130 : 143;
  if (interrupted) process.exit(code);
  interrupted = true;
  log(`${signal}: cleaning up (again to exit at once)`);
  void cleanUp()
    .catch((err: unknown) => console.error(err))
    .finally(() => process.exit(code));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
database = await createDatabase({ kind: 'postgres', url, poolSize: 3, applicationName: 'review-invites torture' });
sink = await startCountingSmtpSink({ dropEvery });
cwd = await mkdtemp(path.join(os.tmpdir(), 'review-invites-torture-'));

let failed = false;
try {
  log(`database ${name}; ${invitations} invitations of ${tenants} tenants; ${workers} workers (concurrency ${concurrency}, lease ${leaseMs} ms); SIGKILL every ${killEverySeconds || '—'} s; SMTP drop after DATA every ${dropEvery || '—'} messages; at most ${durationSeconds} s`);
  await migrate(database.pool);
  let t0 = performance.now();
  // Every tenant's email key is paused (max_count 0) until all workers are up: the run, its kills and
  // its samples start together, not while the first worker to boot drains the queue alone.
  let budgets: Budget[] = [];
  await seedDueInvitations(database.db, {
    invitations,
    tenants,
    label: 'Torture',
    beforeInvitations: async (queue) => {
      budgets = rateWindowSeconds > 0 ? budgetsFor(queue) : [];
      for (const tenantId of queue.tenantIds) {
        await database!.pool.query('INSERT INTO rate_limits (tenant_id, key, max_count, window_seconds) VALUES ($1, $2, 0, $3)', [tenantId, 'email', Math.max(rateWindowSeconds, 1)]);
      }
    },
  });
  log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (budgets.length > 0) {
    log(`email budgets per ${rateWindowSeconds} s: ${budgets.map((b) => `tenant ${b.tenantId} ${b.maxCount} (of ${b.invitations})`).join(', ')}`);
    if (durationSeconds < rateWindows * rateWindowSeconds) log(`warning: --duration ${durationSeconds} is shorter than the ${rateWindows} windows the budgets need`);
  }
  await ensureBuilt();

  fleet = startWorkerFleet(workers, {
    databaseUrl: url,
    smtpUrl: sink.url,
    cwd,
    env: {
      WORKER_LEASE_MS: String(leaseMs),
      SMTP_TIMEOUT_MS: String(Math.floor(leaseMs * 0.4)),
      WORKER_PERIODIC_MS: String(periodicMs),
      WORKER_CONCURRENCY: String(concurrency),
      WORKER_BATCH_SIZE: String(Math.max(concurrency, 20)),
    },
  });
  await fleet.ready(database.pool);
  // Go: the limited tenants get their budgets, the others no row at all (unlimited).
  for (const b of budgets) await database.pool.query("UPDATE rate_limits SET max_count = $2 WHERE tenant_id = $1 AND key = 'email'", [b.tenantId, b.maxCount]);
  await database.pool.query("DELETE FROM rate_limits WHERE key = 'email' AND max_count = 0");
  const sampler = createRunSampler(database.db, sweepSlackMs);
  let stopped: StoppedMidRun | undefined;
  let kills = 0;
  t0 = performance.now();
  let nextKill = killEverySeconds > 0 ? Date.now() + killEverySeconds * 1000 : Infinity;
  let nextReport = Date.now() + 5000;
  let lastSent = 0;
  let lastReportAt = performance.now();

  const { drained, retriesPulledForward } = await waitForDrain(database.db, {
    timeoutMs: durationSeconds * 1000,
    everyMs: 1000,
    skipBackoff: true,
    tick: async (counts) => {
      await sampler.sample();
      if (!stopped && counts && counts.sent >= invitations / 3) {
        stopped = await stopSomeMidRun(database.db, { waiting: 30, inFlight: 10, skip: 20 });
        log(`suppressed ${stopped.stops[0]?.invitationIds.length ?? 0} addresses and skipped ${stopped.stops[1]?.invitationIds.length ?? 0} invitations`);
      }
      if (Date.now() >= nextKill) {
        const victim = fleet!.current[kills % workers]!;
        await fleet!.restart(kills++ % workers);
        log(`SIGKILL ${victim.name} (pid ${victim.pid}), restarted (${kills} kills)`);
        nextKill = Date.now() + killEverySeconds * 1000;
      }
      if (counts && Date.now() >= nextReport) {
        const now = performance.now();
        log(`${describeCounts(counts)}; sink received ${sink.deliveries.length}; ${Math.round(((counts.sent - lastSent) * 1000) / (now - lastReportAt))}/s`);
        lastSent = counts.sent;
        lastReportAt = now;
        nextReport = Date.now() + 5000;
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const final = await queueCounts(database.db);
  log(`${drained ? 'drained' : 'NOT drained'} after ${seconds.toFixed(1)} s: ${describeCounts(final)}; ${retriesPulledForward} retries made due early`);
  // Why anything failed (the sink refuses nothing: expect delivery_uncertain, two unknown outcomes).
  const failedBy = await database.pool.query<{ reason_code: string | null; n: number }>(
    "SELECT reason_code, count(*)::int AS n FROM invitations WHERE state = 'failed' GROUP BY reason_code ORDER BY n DESC",
  );
  if (failedBy.rows.length > 0) log(`failed by reason: ${failedBy.rows.map((r) => `${r.reason_code ?? 'none'} ${r.n}`).join(', ')}`);

  const leaseLost = fleet.countLogs(/lease lost/);
  const unexpected = fleet.unexpectedExits();
  // A worker restarted a moment ago may not handle signals yet: wait until it runs.
  await fleet.ready(database.pool);
  const exits = await Promise.all(fleet.current.map((w) => w.stop()));
  const results = await checkQueueInvariants(database.db, {
    deliveries: sink.deliveries,
    expectedInvitations: invitations,
    drained: true,
    sweepSlackMs,
    stops: stopped?.stops ?? [],
    idleInTransaction: sampler.idleInTransaction,
    stuckDuringRun: sampler.stuckDuringRun,
    leaseLostLogs: leaseLost,
    rateLimits: budgets.length > 0,
  });
  const waiting = stopped ? await suppressedWhileWaiting(database.db, stopped) : [];
  const drops = await dropsRecorded(database, sink.deliveries.filter((d) => d.fate === 'dropped').map((d) => d.messageId));
  const notSkipped = waiting.filter((r) => !(r.state === 'skipped' && r.reason_code === 'suppressed')).length;
  results.push(
    { id: 'RUN', title: 'the queue drained in time', pass: drained, figures: `${final.sent} sent in ${seconds.toFixed(1)} s = ${Math.round(final.sent / seconds)} invitations/s with ${workers} workers` },
    { id: 'KILL', title: 'workers died only when killed', pass: unexpected.length === 0, figures: `${kills} SIGKILLs and restarts, ${unexpected.length} unexpected exits${unexpected.length ? `\n${unexpected.join('\n')}` : ''}` },
    { id: 'TERM', title: 'workers exit 0 on SIGTERM', pass: exits.every((e) => e.code === 0), figures: exits.map((e) => `exit ${e.code ?? e.signal}`).join(', ') },
    { id: 'SUPP', title: 'suppressed while waiting → skipped at send time', pass: notSkipped === 0 && waiting.length > 0, figures: `${waiting.length - notSkipped} of ${waiting.length} skipped as suppressed${waiting.length === 0 ? ' (none left to check: the test proved nothing)' : ''}` },
    {
      id: 'DROP',
      title: 'connections dropped after DATA are recorded as uncertain attempts',
      pass: drops.dropped > 0 && drops.unrecorded.length === 0 && drops.byChannel > 0,
      figures: `${drops.dropped} dropped by the SMTP server: ${drops.byChannel} recorded uncertain by the channel, ${drops.bySweeper} by the sweeper (their worker killed first), ` +
        `${drops.unrecorded.length} not recorded uncertain${drops.unrecorded.length ? ` (${drops.unrecorded.join('; ')})` : ''}`,
    },
  );
  console.log(`\n${formatInvariants(results)}`);
  if (sampler.idleQueries.length > 0) console.log(`idle-in-transaction queries seen:\n${[...new Set(sampler.idleQueries)].join('\n')}`);
  failed = results.some((r) => !r.pass);
  console.log(failed ? '\nTORTURE FAILED' : '\nTORTURE PASSED: every invariant held');
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await cleanUp();
}
process.exit(failed ? 1 : 0);

type Budget = { tenantId: number; invitations: number; maxCount: number };

/** Tenants 2..N (or the only one): a budget of their share / --rate-windows per --rate-window. */
function budgetsFor(queue: Omit<SeededQueue, 'total'>): Budget[] {
  const limited = queue.tenantIds.length > 1 ? queue.tenantIds.slice(1) : queue.tenantIds;
  return limited.map((tenantId) => {
    const count = queue.perTenant.get(tenantId) ?? 0;
    return { tenantId, invitations: count, maxCount: Math.max(1, Math.ceil(count / rateWindows)) };
  });
}

/**
 * Every message the sink dropped after DATA must leave an uncertain attempt of its invitation: one the
 * channel recorded, or — when the worker sending it was SIGKILLed before it could — the sweeper's, at
 * the lease's end ('lease expired'). Matched per invitation (its Message-ID names it): an invitation
 * with k drops needs k uncertain attempts. Unmatched drops are listed with the invitation's attempts.
 */
async function dropsRecorded(db: DatabaseHandle, messageIds: string[]): Promise<{ dropped: number; byChannel: number; bySweeper: number; unrecorded: string[] }> {
  const dropsOf = new Map<number, number>();
  for (const messageId of messageIds) {
    const id = invitationIdOf(messageId);
    if (id !== undefined) dropsOf.set(id, (dropsOf.get(id) ?? 0) + 1);
  }
  const { rows } = await db.pool.query<{ invitation_id: number; attempt: number; outcome: string | null; error: string | null }>(
    'SELECT invitation_id, attempt, outcome, error FROM delivery_attempts WHERE invitation_id = ANY($1::bigint[]) ORDER BY invitation_id, attempt',
    [[...dropsOf.keys()]],
  );
  let byChannel = 0;
  let bySweeper = 0;
  const unrecorded: string[] = [];
  for (const [id, drops] of dropsOf) {
    const attempts = rows.filter((r) => r.invitation_id === id);
    const uncertain = attempts.filter((a) => a.outcome === 'uncertain');
    const sweeper = uncertain.filter((a) => a.error === 'lease expired').length;
    const channel = uncertain.length - sweeper;
    const fromChannel = Math.min(drops, channel);
    byChannel += fromChannel;
    bySweeper += Math.min(drops - fromChannel, sweeper);
    if (uncertain.length < drops) {
      unrecorded.push(`invitation ${id}: ${drops} drop(s), attempts ${attempts.map((a) => `${a.attempt} ${a.outcome ?? 'open'}${a.error ? ` (${a.error})` : ''}`).join(', ')}`);
    }
  }
  return { dropped: messageIds.length, byChannel, bySweeper, unrecorded };
}
