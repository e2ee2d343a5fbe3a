-- The claim in one round trip (issue 5). Runs on PostgreSQL 15+ and PGlite.
--
-- The claim (DESIGN §7) is two statements in one short READ COMMITTED transaction: statement 1
-- finds the rate keys with due work and locks the budget rows of the limited ones; statement 2, in a
-- NEW snapshot (taken after those locks were granted, so it sees every attempt committed by whoever
-- held them before), counts each locked key's budget and claims. Sent from the worker that was four
-- round trips — BEGIN, statement 1, statement 2, COMMIT — and a round trip costs the worker's only
-- thread ~0.3 ms on these machines (the email bench's profile: the socket write that wakes the
-- backend), more than the claim's own JavaScript. As a function it is one: a VOLATILE PL/pgSQL
-- function takes a fresh snapshot for each statement under READ COMMITTED, exactly as the client's
-- statements did, and its locks last until the calling statement's transaction ends. PL/pgSQL keeps
-- each statement's plan per connection, as the named prepared statements did.
--
-- The statements are the ones src/db/queue/claim-invitations.ts sent before, unchanged but for their
-- parameters; that file documents the claim's rules (fairness, budgets, the write-ahead ledger).
-- The result is an invitations row plus tenant_share: a column added to invitations must be added
-- here too, in a migration that replaces this function (every claim fails loudly until then).

CREATE FUNCTION claim_invitations(p_batch_size int, p_lease_ms int, p_default_keys text[], p_default_max_counts int[], p_default_windows int[])
RETURNS TABLE (
  id bigint,
  tenant_id bigint,
  campaign_id bigint,
  order_id bigint,
  order_ref text,
  store_id bigint,
  email text,
  email_norm text,
  first_name text,
  last_name text,
  name text,
  locale text,
  channel text,
  destination text,
  state text,
  reason_code text,
  source text,
  scheduled_at timestamptz,
  sent_at timestamptz,
  attempts integer,
  uncertain_attempts integer,
  lease_token uuid,
  leased_until timestamptz,
  last_error text,
  provider_ref text,
  token_hash bytea,
  opened_at timestamptz,
  completed_at timestamptz,
  expires_at timestamptz,
  expired_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  order_placed_at timestamptz,
  tenant_share int
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  k_tenant_ids bigint[];
  k_keys text[];
  k_locked boolean[];
  k_max_counts int[];
  k_window_seconds int[];
BEGIN
  -- Statement 2 must see what was committed after statement 1: a REPEATABLE READ or SERIALIZABLE
  -- transaction would give both one snapshot, and a budget could overshoot.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'claim_invitations needs READ COMMITTED, not %', current_setting('transaction_isolation')
      USING ERRCODE = 'RI001';
  END IF;

  -- Statement 1 (lock-rate-budgets): the due keys, the limited ones locked (SKIP LOCKED).
  WITH RECURSIVE pending_keys(tenant_id, channel, first_at) AS (
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
    SELECT * FROM unnest(p_default_keys, p_default_max_counts, p_default_windows)
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
      LIMIT p_batch_size
      FOR UPDATE OF r2 SKIP LOCKED
    ) l
    WHERE r.tenant_id = l.tenant_id AND r.key = l.key
    RETURNING r.tenant_id, r.key, r.max_count, r.window_seconds
  ),
  locked AS (
    SELECT tenant_id, key, NULL::int AS max_count, NULL::int AS window_seconds FROM created
    UNION ALL
    SELECT tenant_id, key, max_count, window_seconds FROM stamped
  ),
  result AS (
    SELECT k.tenant_id, k.key, l.tenant_id IS NOT NULL AS locked,
           coalesce(l.max_count, d.max_count) AS max_count,
           coalesce(l.window_seconds, d.window_seconds) AS window_seconds
    FROM due_keys k
    LEFT JOIN locked l ON l.tenant_id = k.tenant_id AND l.key = k.key
    LEFT JOIN defaults d ON d.key = k.key
  )
  SELECT array_agg(tenant_id), array_agg(key), array_agg(locked), array_agg(max_count), array_agg(window_seconds)
    INTO k_tenant_ids, k_keys, k_locked, k_max_counts, k_window_seconds
  FROM result;

  IF k_tenant_ids IS NULL THEN
    RETURN;
  END IF;

  -- Statement 2: count the locked keys' budgets in this newer snapshot and claim.
  RETURN QUERY
  WITH keys AS (
    SELECT * FROM unnest(k_tenant_ids, k_keys, k_locked, k_max_counts, k_window_seconds)
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
              AND a.started_at > now() - k.window_seconds * interval '1 second' - p_lease_ms * interval '1 millisecond'
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
    SELECT GREATEST(1, CEIL(p_batch_size::numeric / GREATEST(count(DISTINCT tenant_id), 1)))::int AS per_tenant FROM open_keys
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
    SELECT id FROM candidates WHERE turn <= (SELECT per_tenant FROM share) ORDER BY turn, scheduled_at, id LIMIT p_batch_size
  ),
  claimed AS (
    UPDATE invitations inv
    SET state = 'sending',
        lease_token = gen_random_uuid(),
        leased_until = now() + p_lease_ms * interval '1 millisecond',
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
  ORDER BY claimed.scheduled_at, claimed.id;
END
$$;
