/**
 * Small readers and setters the queue and channel tests share: an invitation's row, its attempt
 * ledger and its timeline, and "make it due now" (instead of waiting out a backoff).
 */
import { sql } from 'kysely';
import { createInvitation } from '../../src/app/create-invitation.ts';
import { createTenant } from '../../src/app/tenants.ts';
import type { Services } from '../../src/main.ts';

let seq = 0;

export async function newTenant(s: Services, name = `Shop ${++seq}`) {
  const { tenant } = await createTenant(s.deps, { name, invitationsPerHour: 100_000 });
  return tenant;
}

/** A due invitation for a fresh address; returns its id and the review_url the API answered. */
export async function newInvitation(s: Services, tenantId: number, input: { email?: string; name?: string; locale?: string; order_ref?: string } = {}) {
  const n = ++seq;
  const { invitation } = await createInvitation(s.deps, tenantId, {
    email: input.email ?? `customer${n}@example.com`,
    name: input.name ?? `Customer ${n}`,
    order_ref: input.order_ref ?? `ORD-${n}`,
    ...(input.locale ? { locale: input.locale } : {}),
  });
  return invitation;
}

export async function invitationRow(s: Services, id: number) {
  return s.deps.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function attemptsOf(s: Services, id: number) {
  return s.deps.db.selectFrom('delivery_attempts').selectAll().where('invitation_id', '=', id).orderBy('attempt').execute();
}

export async function eventTypes(s: Services, id: number): Promise<string[]> {
  const rows = await s.deps.db.selectFrom('invitation_events').select('type').where('invitation_id', '=', id).orderBy('id').execute();
  return rows.map((r) => r.type);
}

/** Skip the backoff: the invitation becomes due now (the database's now). */
export async function makeDue(s: Services, id: number): Promise<void> {
  await sql`UPDATE invitations SET scheduled_at = now() WHERE id = ${id}`.execute(s.deps.db);
}

export async function dbNow(s: Services): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(s.deps.db);
  return rows[0]!.now;
}
