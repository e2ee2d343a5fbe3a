/**
 * A queue of our invitations for the queue and lag benchmarks: `tenants` fresh tenants (each with its
 * default email campaign) sharing `count` pending invitations, each with its own address, order
 * reference and review-link hash, due `spacingMs` apart from `firstDueInMs` from now (negative =
 * already due). With `budget`, every tenant has a rate_limits row for `email` far above its backlog,
 * so the claim takes its rate-limit path (locks and counts budgets) without ever holding anything
 * back. Then VACUUM ANALYZE, as for the peers' queues: every queue is measured from a clean state.
 */
import { sql } from 'kysely';
import { createTenant } from '../../src/app/tenants.ts';
import type { DatabaseHandle } from '../../src/db/create-database.ts';

export type SeedInvitations = { count: number; firstDueInMs: number; spacingMs: number; tenants?: number; budget?: boolean };

export async function seedInvitations(database: DatabaseHandle, options: SeedInvitations): Promise<{ firstDueAt: Date }> {
  const tenants = options.tenants ?? 1;
  const tenantIds: number[] = [];
  for (let t = 0; t < tenants; t++) {
    const { tenant } = await createTenant({ db: database.db }, { name: `Queue Bench Shop ${t + 1}` });
    tenantIds.push(tenant.id);
    if (options.budget) await sql`INSERT INTO rate_limits (tenant_id, key, max_count, window_seconds) VALUES (${tenant.id}, 'email', 100000000, 3600)`.execute(database.db);
  }
  const { rows } = await sql<{ first: Date }>`SELECT now() + ${options.firstDueInMs}::float8 * interval '1 millisecond' AS first`.execute(database.db);
  const firstDueAt = rows[0]!.first;
  // Invitation g belongs to tenant g mod tenants: every tenant's backlog spans the whole flow.
  await sql`
    INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, first_name, last_name, channel, scheduled_at, token_hash)
    SELECT c.tenant_id, c.id, 'order-' || g, 'customer' || g || '@example.com', 'customer' || g || '@example.com',
           'Jane Customer ' || g, 'Jane', 'Customer ' || g, c.channel,
           ${firstDueAt}::timestamptz + (g - 1) * ${options.spacingMs}::float8 * interval '1 millisecond',
           sha256(('queue-bench-' || g)::bytea)
    FROM generate_series(1, ${options.count}::int) g
    JOIN campaigns c ON c.tenant_id = (${sql.raw(`ARRAY[${tenantIds.join(',')}]::bigint[]`)})[1 + (g - 1) % ${tenants}::int] AND c.is_default`.execute(database.db);
  await sql`VACUUM ANALYZE invitations`.execute(database.db);
  return { firstDueAt };
}
