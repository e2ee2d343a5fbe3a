/** The last run of each cluster-wide periodic task (periodic_runs), for `doctor`. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function recordPeriodicRun(db: Kysely<Database>, run: { task: string; workerId: string; result: Record<string, unknown> }): Promise<void> {
  await sql`
    INSERT INTO periodic_runs (task, last_run_at, worker_id, result)
    VALUES (${run.task}, now(), ${run.workerId}, ${JSON.stringify(run.result)}::jsonb)
    ON CONFLICT (task) DO UPDATE SET last_run_at = now(), worker_id = EXCLUDED.worker_id, result = EXCLUDED.result`.execute(db);
}
