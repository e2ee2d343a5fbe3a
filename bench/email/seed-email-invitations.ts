/**
 * The email benchmark's queue: a fresh tenant (its default email campaign) with `count` invitations
 * that are due but held back by a provider pause on the tenant's `email` rate key — the claim skips a
 * paused key. `release()` deletes the pause row, after which the claim takes exactly the path of a
 * tenant with no budget at all: a worker can be started and ready before the clock starts, and the
 * release is one row, not an update of every invitation.
 *
 * Every invitation has its own address and order reference and a realistic name, so the rendered
 * messages (review link, unsubscribe link, Message-ID) are what production would send.
 */
import { sql } from 'kysely';
import { createTenant } from '../../src/app/tenants.ts';
import type { DatabaseHandle } from '../../src/db/create-database.ts';

export type EmailQueue = { tenantId: number; release(): Promise<void> };

export async function seedEmailInvitations(database: DatabaseHandle, count: number, label: string): Promise<EmailQueue> {
  const { tenant } = await createTenant({ db: database.db }, { name: `Email Bench Shop ${label}` });
  await sql`INSERT INTO rate_limits (tenant_id, key, blocked_until) VALUES (${tenant.id}, 'email', now() + interval '1 day')`.execute(database.db);
  await sql`
    INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, first_name, last_name, channel, scheduled_at, token_hash)
    SELECT c.tenant_id, c.id, 'order-' || g, 'customer' || g || '@example.com', 'customer' || g || '@example.com',
           'Jane Customer ' || g, 'Jane', 'Customer ' || g, c.channel,
           now() - interval '10 minutes' + g * interval '1 microsecond', sha256(('bench-' || c.tenant_id || '-' || g)::bytea)
    FROM campaigns c, generate_series(1, ${count}::int) g
    WHERE c.tenant_id = ${tenant.id} AND c.is_default`.execute(database.db);
  await sql`ANALYZE invitations`.execute(database.db);
  return {
    tenantId: tenant.id,
    async release() {
      await sql`DELETE FROM rate_limits WHERE tenant_id = ${tenant.id} AND key = 'email'`.execute(database.db);
    },
  };
}
