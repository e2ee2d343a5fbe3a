/**
 * What `review-invites doctor` and GET /admin/v1/doctor report: the queue's vital signs and the
 * problems found in them, plus migrations this build expects but the database lacks.
 *
 * Migrations are read first: a database that was never migrated (or is behind this build) lacks the
 * queue's tables or columns, and "migrations not applied" — not the SQL error of reading them — is
 * the problem to report; the queue is not read at all then (`health` is null). Not even "try and
 * catch": on PGlite a failed parameterized query right before close leaves the node-postgres adapter
 * with a late message that hangs or crashes the close (measured with PGlite 0.5.16).
 */
import type pg from 'pg';
import { pendingMigrations } from '../db/migrate.ts';
import type { AppDeps } from './ports.ts';
import { diagnose, readQueueHealth, type QueueHealth } from './queue-health.ts';

export type DoctorReport = {
  /** Empty = healthy. */
  problems: string[];
  /** Null while migrations are pending: the queue is not read against a schema this build does not expect. */
  health: QueueHealth | null;
  pending_migrations: string[];
};

export async function doctorReport(deps: Pick<AppDeps, 'db'>, pool: pg.Pool): Promise<DoctorReport> {
  const pending = await pendingMigrations(pool);
  if (pending.length === 0) {
    const health = await readQueueHealth(deps);
    return { problems: diagnose(health), health, pending_migrations: [] };
  }
  return { problems: [`migrations not applied: ${pending.join(', ')} (run review-invites migrate)`], health: null, pending_migrations: pending };
}
