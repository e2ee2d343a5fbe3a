/**
 * The long version of test/queue-processes (issue 3): N real `review-invites work` processes drain a
 * big queue on a scratch PostgreSQL database through a counting SMTP server while one worker is
 * SIGKILLed every K seconds and restarted, some addresses are suppressed and some invitations skipped
 * mid-run; then every invariant is checked and printed PASS/FAIL with its figures. Exit 1 on any FAIL.
 *
 *   npm run torture -- --invitations 100000 --workers 4 --kill-every 5 --duration 1800
 *
 * Database server: --database-url, else TORTURE_DATABASE_URL, TEST_DATABASE_URL, or
 * postgres://postgres@127.0.0.1:5432/test. A database `ri_torture_<pid>_<random>` is created on it
 * and dropped at the end (--keep leaves it for a look). The server itself is never restarted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDatabase } from '../src/db/create-database.ts';
import { migrate } from '../src/db/migrate.ts';
import { startCountingSmtpSink } from '../test/helpers/counting-smtp-sink.ts';
import { checkQueueInvariants, createRunSampler, formatInvariants } from '../test/helpers/queue-invariants.ts';
import { queueCounts, waitForDrain, type QueueCounts } from '../test/helpers/queue-progress.ts';
import { seedDueInvitations } from '../test/helpers/seed-queue.ts';
import { stopSomeMidRun, suppressedWhileWaiting, type StoppedMidRun } from '../test/helpers/stop-mid-run.ts';
import { ensureBuilt, startWorkerFleet } from '../test/helpers/worker-process.ts';

const { values: args } = parseArgs({
  options: {
    invitations: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '4' },
    tenants: { type: 'string', default: '5' },
    'kill-every': { type: 'string', default: '5' },
    duration: { type: 'string', default: '1800' },
    'lease-ms': { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '10' },
    'database-url': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

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
const database = await createDatabase({ kind: 'postgres', url, poolSize: 3, applicationName: 'review-invites torture' });
const sink = await startCountingSmtpSink();
const cwd = await mkdtemp(path.join(os.tmpdir(), 'review-invites-torture-'));
let fleet: ReturnType<typeof startWorkerFleet> | undefined;

const cleanUp = async () => {
  await fleet?.killAll();
  await database.close();
  await sink.close();
  await rm(cwd, { recursive: true, force: true });
  if (args.keep) log(`kept database ${name}`);
  else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
};
process.once('SIGINT', () => {
  log('interrupted: cleaning up');
  void cleanUp().finally(() => process.exit(130));
});

let failed = false;
try {
  log(`database ${name}; ${invitations} invitations of ${tenants} tenants; ${workers} workers (concurrency ${concurrency}, lease ${leaseMs} ms); SIGKILL every ${killEverySeconds || '—'} s; at most ${durationSeconds} s`);
  await migrate(database.pool);
  let t0 = performance.now();
  await seedDueInvitations(database.db, { invitations, tenants, label: 'Torture' });
  log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
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
  });
  const waiting = stopped ? await suppressedWhileWaiting(database.db, stopped) : [];
  const notSkipped = waiting.filter((r) => !(r.state === 'skipped' && r.reason_code === 'suppressed')).length;
  results.push(
    { id: 'RUN', title: 'the queue drained in time', pass: drained, figures: `${final.sent} sent in ${seconds.toFixed(1)} s = ${Math.round(final.sent / seconds)} invitations/s with ${workers} workers` },
    { id: 'KILL', title: 'workers died only when killed', pass: unexpected.length === 0, figures: `${kills} SIGKILLs and restarts, ${unexpected.length} unexpected exits${unexpected.length ? `\n${unexpected.join('\n')}` : ''}` },
    { id: 'TERM', title: 'workers exit 0 on SIGTERM', pass: exits.every((e) => e.code === 0), figures: exits.map((e) => `exit ${e.code ?? e.signal}`).join(', ') },
    { id: 'SUPP', title: 'suppressed while waiting → skipped at send time', pass: notSkipped === 0, figures: `${waiting.length - notSkipped} of ${waiting.length} skipped as suppressed` },
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
