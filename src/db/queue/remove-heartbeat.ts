/** A worker that stops cleanly says so, so `doctor` does not count it as a dead worker. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function removeHeartbeat(db: Kysely<Database>, workerId: string): Promise<void> {
  await db.deleteFrom('worker_heartbeats').where('worker_id', '=', workerId).execute();
}
