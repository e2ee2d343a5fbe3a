-- review-invites schema, version 1. Runs on PostgreSQL 15+ and PGlite (18): nothing newer than 15.
-- Names follow ../shared/DESIGN.md §6. Every tenant-owned row carries tenant_id.

CREATE TABLE tenants (
  id          bigserial PRIMARY KEY,
  slug        text NOT NULL UNIQUE,
  name        text NOT NULL,
  timezone    text NOT NULL DEFAULT 'UTC',
  -- invitations accepted by POST /api/v1/invitations in any rolling hour (amino's contract: 100)
  invitations_per_hour integer NOT NULL DEFAULT 100 CHECK (invitations_per_hour >= 0),
  settings    jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id           bigserial PRIMARY KEY,
  tenant_id    bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name         text NOT NULL,
  prefix       text NOT NULL,               -- shown in listings: "rik_live_AbC1"
  key_hash     bytea NOT NULL UNIQUE,       -- sha256 of the whole key; the key itself is never stored
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE stores (
  id             bigserial PRIMARY KEY,
  tenant_id      bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  code           text NOT NULL,
  platform       text NOT NULL DEFAULT 'custom',
  name           text NOT NULL,
  external_ref   text,
  webhook_secret text,
  timezone       text,
  locale         text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, code)
);

CREATE TABLE customers (
  id             bigserial PRIMARY KEY,
  tenant_id      bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email_norm     text NOT NULL,
  email          text NOT NULL,
  first_name     text,
  last_name      text,
  locale         text,
  country        text,
  timezone       text,
  customer_group text,
  orders_count   integer NOT NULL DEFAULT 0,
  total_spent    numeric(14, 4) NOT NULL DEFAULT 0,
  first_order_at timestamptz,
  last_order_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, email_norm)
);

CREATE TABLE orders (
  id                bigserial PRIMARY KEY,
  tenant_id         bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  store_id          bigint NOT NULL REFERENCES stores(id),
  order_ref         text NOT NULL,
  status            text NOT NULL,
  customer_id       bigint REFERENCES customers(id),
  email             text,
  first_name        text,
  last_name         text,
  customer_group    text,
  currency          text,
  total             numeric(14, 4),
  placed_at         timestamptz,
  status_changed_at timestamptz NOT NULL DEFAULT now(),
  locale            text,
  country           text,
  items             jsonb NOT NULL DEFAULT '[]',
  source            text NOT NULL DEFAULT 'api',
  raw               jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, store_id, order_ref)
);
CREATE INDEX orders_tenant_placed ON orders (tenant_id, placed_at);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_events (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL,
  order_id    bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  status      text NOT NULL,
  occurred_at timestamptz NOT NULL,
  source      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (order_id, occurred_at);

CREATE TABLE campaigns (
  id                 bigserial PRIMARY KEY,
  tenant_id          bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  slug               text NOT NULL,
  name               text NOT NULL,
  enabled            boolean NOT NULL DEFAULT true,
  is_default         boolean NOT NULL DEFAULT false,
  trigger_statuses   text[] NOT NULL DEFAULT ARRAY['completed'],
  delay_days         integer NOT NULL DEFAULT 7 CHECK (delay_days BETWEEN 0 AND 365),
  send_window        jsonb,
  criteria           jsonb NOT NULL DEFAULT '{}',
  channel            text NOT NULL DEFAULT 'email',
  destinations       jsonb NOT NULL DEFAULT '[{"type":"hosted"}]',
  template           jsonb NOT NULL DEFAULT '{}',
  reminders          jsonb NOT NULL DEFAULT '[]',
  expiry_days        integer NOT NULL DEFAULT 30 CHECK (expiry_days BETWEEN 1 AND 3650),
  frequency_cap_days integer CHECK (frequency_cap_days IS NULL OR frequency_cap_days BETWEEN 1 AND 3650),
  send_late_days     integer CHECK (send_late_days IS NULL OR send_late_days >= 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, slug)
);
CREATE UNIQUE INDEX campaigns_one_default ON campaigns (tenant_id) WHERE is_default;

CREATE TABLE invitations (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  campaign_id   bigint NOT NULL REFERENCES campaigns(id),
  order_id      bigint REFERENCES orders(id),
  -- API invitations without an order_ref get a generated one, so the unique key below always holds
  order_ref     text NOT NULL,
  store_id      bigint REFERENCES stores(id),
  email         text NOT NULL,
  email_norm    text NOT NULL,
  first_name    text,
  last_name     text,
  name          text NOT NULL,
  locale        text,
  channel       text NOT NULL,
  destination   text NOT NULL DEFAULT 'hosted',
  state         text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
  reason_code   text,
  source        text NOT NULL DEFAULT 'api',
  scheduled_at  timestamptz NOT NULL,
  sent_at       timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  uncertain_attempts integer NOT NULL DEFAULT 0,
  lease_token   uuid,
  leased_until  timestamptz,
  last_error    text,
  provider_ref  text,
  token_hash    bytea NOT NULL UNIQUE,      -- sha256 of the review-link token; the token is derived, never stored
  opened_at     timestamptz,
  completed_at  timestamptz,
  expires_at    timestamptz,
  expired_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, campaign_id, order_ref),
  CHECK (state <> 'sending' OR (lease_token IS NOT NULL AND leased_until IS NOT NULL))
);
-- the claim: due pending rows, oldest first
CREATE INDEX invitations_due ON invitations (scheduled_at) WHERE state = 'pending';
-- per-tenant fair claim and per-tenant queue views
CREATE INDEX invitations_tenant_due ON invitations (tenant_id, scheduled_at) WHERE state = 'pending';
-- the sweeper
CREATE INDEX invitations_leased ON invitations (leased_until) WHERE state = 'sending';
-- expiry task
CREATE INDEX invitations_expiring ON invitations (expires_at)
  WHERE state = 'sent' AND completed_at IS NULL AND expired_at IS NULL;
-- rolling creation limit and grid default order
CREATE INDEX invitations_tenant_created ON invitations (tenant_id, created_at);
CREATE INDEX invitations_tenant_email ON invitations (tenant_id, email_norm);

CREATE TABLE invitation_events (
  id            bigserial PRIMARY KEY,
  invitation_id bigint NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
  tenant_id     bigint NOT NULL,
  type          text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now(),
  data          jsonb
);
CREATE INDEX invitation_events_invitation ON invitation_events (invitation_id, at);

-- One row per delivery try, written before the network call (write-ahead attempt ledger).
CREATE TABLE delivery_attempts (
  id            bigserial PRIMARY KEY,
  invitation_id bigint NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
  tenant_id     bigint NOT NULL,
  attempt       integer NOT NULL,
  lease_token   uuid NOT NULL,
  channel       text NOT NULL,
  rate_key      text,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  -- null while in flight; then sent | transient | permanent | uncertain | skipped | released | abandoned
  outcome       text,
  error         text,
  duration_ms   integer,
  provider_ref  text,
  UNIQUE (invitation_id, attempt)
);
CREATE INDEX delivery_attempts_rate ON delivery_attempts (tenant_id, rate_key, started_at);

CREATE TABLE suppressions (
  tenant_id  bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email_norm text NOT NULL,
  reason     text NOT NULL,
  source     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, email_norm)
);

-- Rolling-window delivery budgets per tenant and destination key (e.g. amino 100/hour).
CREATE TABLE rate_limits (
  tenant_id      bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key            text NOT NULL,
  max_count      integer NOT NULL CHECK (max_count >= 0),
  window_seconds integer NOT NULL CHECK (window_seconds > 0),
  last_claim_at  timestamptz,
  blocked_until  timestamptz,              -- set from a provider's Retry-After
  PRIMARY KEY (tenant_id, key)
);

-- Emails captured instead of sent when no SMTP_URL is configured.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  invitation_id bigint REFERENCES invitations(id) ON DELETE SET NULL,
  message_id    text NOT NULL UNIQUE,
  mail_from     text NOT NULL,
  mail_to       text NOT NULL,
  subject       text NOT NULL,
  text_body     text NOT NULL,
  html_body     text NOT NULL,
  headers       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_tenant ON outbox (tenant_id, id);

CREATE TABLE reviews (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  invitation_id bigint NOT NULL UNIQUE REFERENCES invitations(id) ON DELETE CASCADE,
  rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title         text,
  body          text,
  author_name   text,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'rejected')),
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Liveness of worker processes and the last run of each cluster-wide periodic task (for `doctor`).
CREATE TABLE worker_heartbeats (
  worker_id    text PRIMARY KEY,
  hostname     text NOT NULL,
  pid          integer NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE periodic_runs (
  task        text PRIMARY KEY,
  last_run_at timestamptz NOT NULL,
  worker_id   text NOT NULL,
  result      jsonb
);

-- Install-wide values (the generated token secret when SECRET_KEY is not configured).
CREATE TABLE instance_settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);
