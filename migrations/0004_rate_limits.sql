-- Rolling-window delivery budgets per tenant and rate key (issue 3, DESIGN §7). Runs on PostgreSQL 15+
-- and PGlite.
--
-- A rate_limits row is three things at once: the lock the claim takes (SKIP LOCKED) so that two
-- workers never spend one budget, the tenant's override of the channel's default budget, and the
-- pause a provider asked for (blocked_until, from Retry-After). So the override may be absent:
-- max_count/window_seconds NULL = no override, the channel's default applies (none = unlimited).
-- Default rows are created lazily by the claim, the first time a key with a default has due work.
ALTER TABLE rate_limits ALTER COLUMN max_count DROP NOT NULL;
ALTER TABLE rate_limits ALTER COLUMN window_seconds DROP NOT NULL;
ALTER TABLE rate_limits ADD CONSTRAINT rate_limits_override_whole CHECK ((max_count IS NULL) = (window_seconds IS NULL));

-- The claim works per (tenant, channel): it finds the keys with pending work by a skip scan over
-- this index and takes each key's oldest due invitations from it, so a key that is out of budget
-- costs one index descent, never a walk over its backlog. It supersedes invitations_tenant_due
-- (the claim was its only user), so the number of indexes every queue write maintains stays the same.
CREATE INDEX invitations_key_due ON invitations (tenant_id, channel, scheduled_at) WHERE state = 'pending';
DROP INDEX invitations_tenant_due;

-- Attempts written before this migration carry no rate_key; the ones still inside any window the
-- API allows (7 days) get their channel, so the first window after an upgrade is not over-spent.
UPDATE delivery_attempts SET rate_key = channel
WHERE rate_key IS NULL AND started_at > now() - interval '7 days';
