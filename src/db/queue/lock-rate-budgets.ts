/**
 * Statement 1 of the claim (DESIGN §7, stack.md §7): find the rate keys — (tenant, channel) — that
 * have due work, and lock the budget rows of the limited ones so that no other worker spends the same
 * budget until this transaction ends. Keys locked by another worker are skipped (SKIP LOCKED): they
 * sit this round out rather than wait. Oldest last_claim_at first, at most `maxKeys` of them, so with
 * more limited keys than a batch can serve every key still gets its turn.
 *
 * A key whose channel has a default but no row yet gets its row here (lazily, once): the inserted
 * row is ours until commit, exactly as if we had locked it. A key paused by a provider's Retry-After
 * (blocked_until in the future) is not locked; the claim skips it.
 *
 * The budget itself is counted by statement 2 (claim-invitations.ts) — it must be a NEW statement:
 * its snapshot is taken after these locks were granted, so it sees every attempt committed by the
 * worker that held a lock before us. Counted in this statement's snapshot, a budget overshoots
 * (measured: 23,900 claims against a cap of 20,000).
 */
import type pg from 'pg';
import type { KeyedRateLimit } from '../../domain/rate-limit.ts';

/** A rate key with due work, as statement 2 needs it. */
export type DueKey = {
  tenant_id: number;
  key: string;
  /** This transaction holds the key's budget row: it may spend up to max_count in the window. */
  locked: boolean;
  /**
   * Locked: the budget in force (the tenant's override, else the channel's default). Not locked: the
   * channel's default only — statement 2 reads overrides and pauses itself, in its newer snapshot.
   */
  max_count: number | null;
  window_seconds: number | null;
};

const LOCK_RATE_BUDGETS = {
  name: 'lock-rate-budgets-v1',
  // $1 = most keys to lock, $2/$3/$4 = the channels' default budgets (key, max_count, window_seconds).
  text: `WITH RECURSIVE pending_keys(tenant_id, channel, first_at) AS (
  -- A skip scan over invitations_key_due (tenant_id, channel, scheduled_at): one index descent per
  -- key, however deep its backlog, and the first entry of a key is its earliest pending invitation.
  (SELECT tenant_id, channel, scheduled_at FROM invitations WHERE state = 'pending'
   ORDER BY tenant_id, channel, scheduled_at LIMIT 1)
  UNION ALL
  SELECT nxt.tenant_id, nxt.channel, nxt.scheduled_at FROM pending_keys p
  CROSS JOIN LATERAL (
    SELECT i.tenant_id, i.channel, i.scheduled_at FROM invitations i
    WHERE i.state = 'pending' AND (i.tenant_id, i.channel) > (p.tenant_id, p.channel)
    ORDER BY i.tenant_id, i.channel, i.scheduled_at LIMIT 1
  ) nxt
),
due_keys AS (
  SELECT tenant_id, channel AS key FROM pending_keys WHERE first_at <= now()
),
defaults(key, max_count, window_seconds) AS (
  SELECT * FROM unnest($2::text[], $3::int[], $4::int[])
),
created AS (
  INSERT INTO rate_limits (tenant_id, key, last_claim_at)
  SELECT k.tenant_id, k.key, now() FROM due_keys k JOIN defaults d ON d.key = k.key
  WHERE NOT EXISTS (SELECT 1 FROM rate_limits r WHERE r.tenant_id = k.tenant_id AND r.key = k.key)
  -- One order for every worker, so two creating the same rows cannot wait on each other in a cycle.
  ORDER BY k.tenant_id, k.key
  -- Another worker creating the same row first: we wait for its commit, then leave the key to it.
  ON CONFLICT DO NOTHING
  RETURNING tenant_id, key
),
stamped AS (
  UPDATE rate_limits r SET last_claim_at = now()
  FROM (
    SELECT r2.tenant_id, r2.key FROM rate_limits r2
    JOIN due_keys k ON k.tenant_id = r2.tenant_id AND k.key = r2.key
    LEFT JOIN defaults d ON d.key = r2.key
    WHERE (r2.max_count IS NOT NULL OR d.max_count IS NOT NULL)
      AND (r2.blocked_until IS NULL OR r2.blocked_until <= now())
    ORDER BY r2.last_claim_at NULLS FIRST, r2.tenant_id, r2.key
    LIMIT $1::int
    FOR UPDATE OF r2 SKIP LOCKED
  ) l
  WHERE r.tenant_id = l.tenant_id AND r.key = l.key
  RETURNING r.tenant_id, r.key, r.max_count, r.window_seconds
),
locked AS (
  SELECT tenant_id, key, NULL::int AS max_count, NULL::int AS window_seconds FROM created
  UNION ALL
  SELECT tenant_id, key, max_count, window_seconds FROM stamped
)
SELECT k.tenant_id, k.key, l.tenant_id IS NOT NULL AS locked,
       coalesce(l.max_count, d.max_count) AS max_count,
       coalesce(l.window_seconds, d.window_seconds) AS window_seconds
FROM due_keys k
LEFT JOIN locked l ON l.tenant_id = k.tenant_id AND l.key = k.key
LEFT JOIN defaults d ON d.key = k.key`,
};

export async function lockRateBudgets(client: Pick<pg.PoolClient, 'query'>, options: { maxKeys: number; defaults: readonly KeyedRateLimit[] }): Promise<DueKey[]> {
  const { defaults } = options;
  const { rows } = await client.query<DueKey>({
    ...LOCK_RATE_BUDGETS,
    values: [Math.max(1, options.maxKeys), defaults.map((d) => d.key), defaults.map((d) => d.maxCount), defaults.map((d) => d.windowSeconds)],
  });
  return rows;
}
