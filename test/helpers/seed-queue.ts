/**
 * A queue full of due invitations, fast: tenants through the real createTenant (their default
 * campaign included), then one INSERT ... SELECT generate_series per tenant. Token hashes are sha256
 * of a random uuid — unique, but no review link opens them: these invitations are for the queue only.
 * Each invitation has its own address (`c<n>.t<tenant>@example.com`), so suppressing one address
 * stops exactly one invitation.
 */
import { sql, type Kysely } from 'kysely';
import { createTenant } from '../../src/app/tenants.ts';
import type { Database } from '../../src/db/schema.ts';

export type SeededQueue = { tenantIds: number[]; total: number; perTenant: Map<number, number> };

/** Tenant 1 gets half the invitations (a backlog), the others share the rest. */
export function splitAcrossTenants(total: number, tenants: number): number[] {
  if (tenants <= 1) return [total];
  const first = Math.ceil(total / 2);
  const rest = total - first;
  return [first, ...Array.from({ length: tenants - 1 }, (_, i) => Math.floor(rest / (tenants - 1)) + (i < rest % (tenants - 1) ? 1 : 0))];
}

export async function seedDueInvitations(
  db: Kysely<Database>,
  options: {
    invitations: number;
    tenants: number;
    label?: string;
    /** Runs once the tenants exist and before any invitation does (budgets, a pause). */
    beforeInvitations?: (tenants: Omit<SeededQueue, 'total'>) => Promise<void>;
  },
): Promise<SeededQueue> {
  const label = options.label ?? 'Queue';
  const tenantIds: number[] = [];
  const perTenant = new Map<number, number>();
  for (const [i, count] of splitAcrossTenants(options.invitations, options.tenants).entries()) {
    const { tenant } = await createTenant({ db }, { name: `${label} shop ${i + 1} ${Date.now()}` });
    tenantIds.push(tenant.id);
    perTenant.set(tenant.id, count);
  }
  await options.beforeInvitations?.({ tenantIds, perTenant });
  let offset = 0;
  for (const tenantId of tenantIds) {
    const count = perTenant.get(tenantId)!;
    if (count === 0) continue;
    // Due in the past, oldest first, a millisecond apart: the claim order is stable and visible.
    await sql`
      INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, first_name, channel, scheduled_at, token_hash, created_at, updated_at)
      SELECT c.tenant_id, c.id, 'ord-' || g, 'c' || g || '.t' || c.tenant_id || '@example.com', 'c' || g || '.t' || c.tenant_id || '@example.com',
             'Customer ' || g, 'Customer', c.channel, now() - interval '1 hour' + (g + ${offset}::int) * interval '1 millisecond',
             sha256(gen_random_uuid()::text::bytea), now(), now()
      FROM campaigns c, generate_series(1, ${count}::int) g
      WHERE c.tenant_id = ${tenantId} AND c.is_default`.execute(db);
    offset += count;
  }
  await sql`ANALYZE invitations`.execute(db);
  return { tenantIds, total: options.invitations, perTenant };
}
