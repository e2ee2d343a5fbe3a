/**
 * Fenced: extend our lease before a call that would otherwise outlive it (an invitation that waited
 * in the worker after its claim). False = the lease is no longer ours: do not call out.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function renewLease(db: Kysely<Database>, input: { invitationId: number; leaseToken: string; leaseMs: number }): Promise<boolean> {
  const { rows } = await sql<{ id: number }>`
    UPDATE invitations SET leased_until = now() + ${input.leaseMs} * interval '1 millisecond'
    WHERE id = ${input.invitationId} AND lease_token = ${input.leaseToken} AND state = 'sending'
    RETURNING id`.execute(db);
  return rows.length > 0;
}
