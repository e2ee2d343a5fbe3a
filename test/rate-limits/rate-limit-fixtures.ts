/**
 * What the rate-limit tests share: a tenant with a campaign on a given channel, due invitations in
 * bulk (one INSERT ... SELECT generate_series, so 20,000 rows cost one statement), a budget row, a
 * drain through the real worker, and the rolling-window check over the attempt ledger's timestamps.
 */
import { sql } from 'kysely';
import { createCampaign } from '../../src/app/create-campaign.ts';
import type { Services } from '../../src/main.ts';
import { createWorker, type RunCounts } from '../../src/worker/worker.ts';
import { newTenant } from '../worker/queue-fixtures.ts';

export const WEBHOOK_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

let seq = 0;

/** A tenant whose campaign `campaignId` sends on `channel` (email: the default campaign). */
export async function tenantOn(s: Services, channel: 'email' | 'webhook' | 'amino', url?: string): Promise<{ tenantId: number; campaignId: number }> {
  const tenant = await newTenant(s);
  if (channel === 'email') {
    const c = await s.deps.db.selectFrom('campaigns').select('id').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
    return { tenantId: tenant.id, campaignId: c.id };
  }
  const destinations = channel === 'webhook' ? [{ type: 'webhook', url: `${url}/hook`, secret: WEBHOOK_SECRET }] : [{ type: 'amino', url, api_key: 'amino-test-key-0123456789' }];
  const campaign = await createCampaign(s.deps, tenant.id, { name: `${channel} ${++seq}`, channel, destinations });
  return { tenantId: tenant.id, campaignId: campaign.id };
}

/**
 * `count` invitations on the campaign's channel, due `dueAgoSeconds` ago (oldest first, 1 ms apart),
 * or in the future when negative. Returns their ids, oldest first.
 */
export async function addInvitations(s: Services, owner: { tenantId: number; campaignId: number }, count: number, dueAgoSeconds = 60): Promise<number[]> {
  const prefix = `r${++seq}-`;
  const { rows } = await sql<{ id: number }>`
    INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, channel, destination, scheduled_at, token_hash)
    SELECT c.tenant_id, c.id, ${prefix} || g, 'customer' || g || '@example.com', 'customer' || g || '@example.com', 'Customer ' || g,
           c.channel, CASE c.channel WHEN 'email' THEN 'hosted' ELSE c.channel END,
           now() - ${dueAgoSeconds} * interval '1 second' + g * interval '1 millisecond',
           sha256((c.id || ${prefix} || g)::bytea)
    FROM campaigns c, generate_series(1, ${count}::int) g
    WHERE c.id = ${owner.campaignId}
    ORDER BY g
    RETURNING id`.execute(s.deps.db);
  return rows.map((r) => r.id);
}

export async function setBudget(s: Services, tenantId: number, key: string, maxCount: number, windowSeconds: number): Promise<void> {
  await sql`
    INSERT INTO rate_limits (tenant_id, key, max_count, window_seconds) VALUES (${tenantId}, ${key}, ${maxCount}, ${windowSeconds})
    ON CONFLICT (tenant_id, key) DO UPDATE SET max_count = EXCLUDED.max_count, window_seconds = EXCLUDED.window_seconds`.execute(s.deps.db);
}

export async function countByState(s: Services, tenantId: number): Promise<Record<string, number>> {
  const { rows } = await sql<{ state: string; n: number }>`
    SELECT state, count(*)::int AS n FROM invitations WHERE tenant_id = ${tenantId} GROUP BY state`.execute(s.deps.db);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** The real worker, one batch after another, until a batch claims nothing. */
export async function drain(s: Services, options: { batchSize?: number } = {}): Promise<RunCounts> {
  const worker = createWorker(s, { periodicTasks: false });
  const total: RunCounts = { claimed: 0, sent: 0, retried: 0, failed: 0, skipped: 0, released: 0, leaseLost: 0, uncertain: 0, errors: 0 };
  for (;;) {
    const counts = await worker.runOnce(options.batchSize === undefined ? {} : { batchSize: options.batchSize });
    for (const k of Object.keys(total) as (keyof RunCounts)[]) total[k] += counts[k];
    if (counts.claimed === 0) return total;
  }
}

/**
 * The most attempts of (tenant, key) that started within any rolling window of `windowSeconds`
 * (attempts that never called out — skipped at send time, released — spend no budget),
 * checked at every attempt's own started_at — the windows where a maximum can occur.
 */
export async function mostInAnyWindow(s: Services, tenantId: number, key: string, windowSeconds: number): Promise<number> {
  const { rows } = await sql<{ n: number | null }>`
    SELECT max(w.n)::int AS n FROM delivery_attempts a
    CROSS JOIN LATERAL (
      SELECT count(*) AS n FROM delivery_attempts b
      WHERE b.tenant_id = a.tenant_id AND b.rate_key = a.rate_key AND b.outcome IS DISTINCT FROM 'skipped' AND b.outcome IS DISTINCT FROM 'released'
        AND b.started_at > a.started_at - ${windowSeconds} * interval '1 second' AND b.started_at <= a.started_at
    ) w
    WHERE a.tenant_id = ${tenantId} AND a.rate_key = ${key}`.execute(s.deps.db);
  return rows[0]?.n ?? 0;
}

/** As if the window had passed: every attempt of the key started (and finished) `seconds` earlier than recorded. */
export async function backdateAttempts(s: Services, tenantId: number, key: string, seconds: number): Promise<void> {
  await sql`UPDATE delivery_attempts SET started_at = started_at - ${seconds} * interval '1 second', finished_at = finished_at - ${seconds} * interval '1 second'
    WHERE tenant_id = ${tenantId} AND rate_key = ${key}`.execute(s.deps.db);
}
