/** A worker's liveness row (worker_heartbeats), read by `doctor` and /metrics. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function recordHeartbeat(db: Kysely<Database>, worker: { workerId: string; hostname: string; pid: number }): Promise<void> {
  await sql`
    INSERT INTO worker_heartbeats (worker_id, hostname, pid, started_at, last_seen_at)
    VALUES (${worker.workerId}, ${worker.hostname}, ${worker.pid}, now(), now())
    ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = now()`.execute(db);
}
