/**
 * The claim (DESIGN §7): due pending invitations become `sending` under a fresh lease token, and the
 * write-ahead attempt row of each is inserted in the same statement — an attempt is on record before
 * any network I/O, and the transaction ends before any network I/O starts.
 *
 * Rolling rate limits (issue 3): one short READ COMMITTED transaction of two statements. Statement 1
 * (lock-rate-budgets.ts) finds the rate keys with due work and locks the budget rows of the limited
 * ones, SKIP LOCKED. Statement 2, below, takes a fresh snapshot — so it sees every attempt committed
 * by whoever held those locks before — counts each locked key's attempts in its window and claims at
 * most the rest of the budget. A limited key this transaction could not lock, or a key paused by a
 * provider's Retry-After, claims nothing this round; an unlimited key claims as before. A held
 * invitation simply stays pending and goes out when its key has budget again.
 *
 * Fair across tenants: every tenant with claimable work gets a share of the batch (⌈n / tenants⌉, at
 * least one), and the batch is filled turn by turn — every tenant's oldest due invitation before
 * anyone's second — so one tenant's backlog of 100,000 delays another tenant's single due invitation
 * by at most one claim round (when more tenants than n have due work, by ⌈tenants / n⌉ rounds, oldest
 * first). A tenant whose keys are all out of budget takes no share.
 *
 * Both statements are named prepared statements (planned once per connection: planning costs more
 * than running them, 10-15 ms on PGlite), sent on one pooled client — Kysely cannot name statements.
 */
import type pg from 'pg';
import type { KeyedRateLimit } from '../../domain/rate-limit.ts';
import type { Invitation } from '../schema.ts';
import { lockRateBudgets } from './lock-rate-budgets.ts';

export type ClaimedInvitation = {
  invitation: Invitation;
  /** The fencing token: every later update of this invitation carries it. */
  leaseToken: string;
  /** Number of this attempt (invitation.attempts after the claim). */
  attempt: number;
  /**
   * performance.now() taken BEFORE the claim was sent: the database's leased_until is at least
   * leaseMs after this, so local monotonic time can tell when the lease may be gone.
   */
  claimedAtMs: number;
};

export type ClaimResult = {
  claimed: ClaimedInvitation[];
  /** More may be due right now: the batch was full or some tenant used its whole share. */
  more: boolean;
};

export type ClaimOptions = {
  batchSize: number;
  leaseMs: number;
  /** The channels' default budgets (ChannelRegistry.defaultRateLimits()); none = only rows limit. */
  defaultRateLimits?: readonly KeyedRateLimit[];
};

type Row = Invitation & { tenant_share: number };

/**
 * $1 = batch size, $2 = lease in milliseconds, $3..$7 = statement 1's due keys (tenant, key, locked,
 * max_count, window_seconds), one array per column.
 */
const CLAIM = {
  name: 'claim-invitations-v4',
  text: `WITH keys AS (
  SELECT * FROM unnest($3::bigint[], $4::text[], $5::boolean[], $6::int[], $7::int[])
    AS k(tenant_id, key, locked, max_count, window_seconds)
),
-- MATERIALIZED: inlined, the count below would run once per reference to \`remaining\`.
allowance AS MATERIALIZED (
  SELECT k.tenant_id, k.key,
    CASE
      -- Counting stops at max_count: a full window costs at most max_count index entries.
      WHEN k.locked THEN GREATEST(0, k.max_count - (
        SELECT count(*) FROM (
          SELECT 1 FROM delivery_attempts a
          WHERE a.tenant_id = k.tenant_id AND a.rate_key = k.key
            -- An attempt reaches the provider somewhere between its start and its finish, so it
            -- counts in every window its interval touches: by start time alone, a message claimed
            -- just before the window began but delivered inside it went uncounted, and the provider
            -- saw more than the budget. None lasts past its lease, which bounds the index range.
            AND a.started_at > now() - k.window_seconds * interval '1 second' - $2::int * interval '1 millisecond'
            AND (a.finished_at IS NULL OR a.finished_at > now() - k.window_seconds * interval '1 second')
            -- A claim the send-time re-check skipped, or a shutdown released, never reached the
            -- provider: after downtime, stale invitations skipped as missed_window must not eat
            -- the budget of the real sends. In flight (outcome NULL) counts: it may be going out.
            AND (a.outcome IS NULL OR a.outcome NOT IN ('skipped', 'released'))
          LIMIT k.max_count
        ) used))::int
      -- Read in this statement's snapshot: a pause or an override committed since statement 1 counts.
      WHEN r.blocked_until > now() OR r.max_count IS NOT NULL OR k.max_count IS NOT NULL THEN 0
      ELSE NULL -- unlimited
    END AS remaining
  FROM keys k
  LEFT JOIN rate_limits r ON r.tenant_id = k.tenant_id AND r.key = k.key
),
open_keys AS (
  SELECT tenant_id, key, remaining FROM allowance WHERE remaining IS NULL OR remaining > 0
),
share AS (
  SELECT GREATEST(1, CEIL($1::int::numeric / GREATEST(count(DISTINCT tenant_id), 1)))::int AS per_tenant FROM open_keys
),
candidates AS (
  SELECT c.id, c.scheduled_at,
         row_number() OVER (PARTITION BY k.tenant_id ORDER BY c.scheduled_at, c.id) AS turn
  FROM open_keys k
  CROSS JOIN LATERAL (
    SELECT i.id, i.scheduled_at FROM invitations i
    WHERE i.tenant_id = k.tenant_id AND i.channel = k.key AND i.state = 'pending' AND i.scheduled_at <= now()
    ORDER BY i.scheduled_at
    LIMIT LEAST(coalesce(k.remaining, 2147483647), (SELECT per_tenant FROM share))
    FOR UPDATE SKIP LOCKED
  ) c
),
picked AS (
  SELECT id FROM candidates WHERE turn <= (SELECT per_tenant FROM share) ORDER BY turn, scheduled_at, id LIMIT $1::int
),
claimed AS (
  UPDATE invitations inv
  SET state = 'sending',
      lease_token = gen_random_uuid(),
      leased_until = now() + $2::int * interval '1 millisecond',
      -- Attempt numbers key the ledger (unique per invitation): never reuse one, even if
      -- someone reset invitations.attempts — a duplicate key would jam every claim.
      attempts = GREATEST(inv.attempts, (SELECT max(a.attempt) FROM delivery_attempts a WHERE a.invitation_id = inv.id), 0) + 1,
      updated_at = now()
  FROM picked
  WHERE inv.id = picked.id
  RETURNING inv.*
),
ledger AS (
  -- rate_key = the channel: what statement 2 of later claims counts against the key's budget.
  INSERT INTO delivery_attempts (invitation_id, tenant_id, attempt, lease_token, channel, rate_key, started_at)
  SELECT id, tenant_id, attempts, lease_token, channel, channel, now() FROM claimed
)
SELECT claimed.*, (SELECT per_tenant FROM share) AS tenant_share
FROM claimed
ORDER BY claimed.scheduled_at, claimed.id`,
};

export async function claimInvitations(pool: Pick<pg.Pool, 'connect'>, options: ClaimOptions): Promise<ClaimResult> {
  const n = Math.max(1, Math.floor(options.batchSize));
  const claimedAtMs = performance.now();
  const rows = await inClaimTransaction(pool, async (client) => {
    const keys = await lockRateBudgets(client, { maxKeys: n, defaults: options.defaultRateLimits ?? [] });
    if (keys.length === 0) return [];
    const { rows } = await client.query<Row>({
      ...CLAIM,
      values: [n, options.leaseMs, keys.map((k) => k.tenant_id), keys.map((k) => k.key), keys.map((k) => k.locked), keys.map((k) => k.max_count), keys.map((k) => k.window_seconds)],
    });
    return rows;
  });

  const perTenant = new Map<number, number>();
  let more = rows.length >= n;
  for (const row of rows) {
    const count = (perTenant.get(row.tenant_id) ?? 0) + 1;
    perTenant.set(row.tenant_id, count);
    if (count >= row.tenant_share) more = true;
  }
  return {
    claimed: rows.map(({ tenant_share: _share, ...invitation }) => ({
      invitation,
      leaseToken: invitation.lease_token!,
      attempt: invitation.attempts,
      claimedAtMs,
    })),
    more,
  };
}

/**
 * READ COMMITTED explicitly: statement 2 relies on getting a snapshot newer than statement 1's, which
 * REPEATABLE READ (were it the server's default) would not give.
 */
async function inClaimTransaction<T>(pool: Pick<pg.Pool, 'connect'>, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is dropped, not handed to the next caller.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
