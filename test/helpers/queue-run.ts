/**
 * The scaffold of a multi-process queue test (test/queue-processes): a PostgreSQL database cloned
 * from the migrated template, a counting SMTP sink, a scratch directory, and the `work` processes
 * started against them — all torn down by dispose(), workers first (SIGKILL: nothing of theirs may
 * outlive the test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { startCountingSmtpSink, type CountingSmtpSink } from './counting-smtp-sink.ts';
import { checkQueueInvariants, formatInvariants, type InvariantInput, type InvariantResult } from './queue-invariants.ts';
import { createTestServices, type TestServices } from './test-services.ts';
import { ensureBuilt, spawnServer, spawnWorker, startWorkerFleet, WORKER_APPLICATION_PREFIX, type WorkerFleet, type WorkerProcess, type WorkerSettings } from './worker-process.ts';

export type QueueRun = {
  readonly services: TestServices;
  readonly sink: CountingSmtpSink;
  settings(env?: Record<string, string>, databaseUrl?: string): WorkerSettings;
  startFleet(size: number, env?: Record<string, string>, databaseUrl?: string): Promise<WorkerFleet>;
  /** One more worker, outside any fleet (killed by dispose too). */
  spawn(name: string, env?: Record<string, string>, databaseUrl?: string): WorkerProcess;
  /** A `serve` process on 127.0.0.1:port (killed by dispose too). */
  spawnServer(name: string, port: number): WorkerProcess;
  invariants(input: Omit<InvariantInput, 'deliveries'>): Promise<InvariantResult[]>;
  /** Ends every session of the workers on the server (a database restart, as the workers see it). */
  terminateWorkerSessions(): Promise<number>;
  dispose(): Promise<void>;
};

/** Fails with every invariant's line, so a red run says which one broke and by how much. */
export function expectAllPass(results: readonly InvariantResult[]): void {
  const failed = results.filter((r) => !r.pass);
  if (failed.length > 0) throw new Error(`queue invariants failed:\n${formatInvariants(results)}`);
}

export async function openQueueRun(): Promise<QueueRun> {
  await ensureBuilt();
  const sink = await startCountingSmtpSink();
  const services = await createTestServices('postgres', { poolSize: 3 });
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'review-invites-queue-'));
  const fleets: WorkerFleet[] = [];
  const loose: WorkerProcess[] = [];
  const settings = (env: Record<string, string> = {}, databaseUrl = services.testDb.url!): WorkerSettings => ({ databaseUrl, smtpUrl: sink.url, cwd, env });

  return {
    services,
    sink,
    settings,
    async startFleet(size, env, databaseUrl) {
      const fleet = startWorkerFleet(size, settings(env, databaseUrl));
      fleets.push(fleet);
      await fleet.ready(services.database.pool);
      return fleet;
    },
    spawn(name, env, databaseUrl) {
      const worker = spawnWorker(name, settings(env, databaseUrl));
      loose.push(worker);
      return worker;
    },
    spawnServer(name, port) {
      const server = spawnServer(name, settings(), port);
      loose.push(server);
      return server;
    },
    invariants: (input) => checkQueueInvariants(services.deps.db, { ...input, deliveries: sink.deliveries }),
    async terminateWorkerSessions() {
      const { rows } = await sql<{ ok: boolean }>`
        SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE ${`${WORKER_APPLICATION_PREFIX}%`}`.execute(services.deps.db);
      return rows.filter((r) => r.ok).length;
    },
    async dispose() {
      await Promise.allSettled([...fleets.map((f) => f.killAll()), ...loose.map((w) => w.kill())]);
      await services.dispose();
      await sink.close();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}
