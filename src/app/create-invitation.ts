/**
 * The amino.reviews-compatible "send one invitation": validate, deduplicate on order_ref, enforce the
 * tenant's rolling-hour limit, and insert the invitation due now (or at send_at) — one transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { checkEmailAddress } from '../domain/email-address.ts';
import { checkLocale } from '../domain/locale.ts';
import { checkPersonName } from '../domain/person-name.ts';
import { AppError, validationError, type FieldError } from '../errors.ts';
import type { Invitation } from '../db/schema.ts';
import { invitationView, type InvitationView } from './invitation-view.ts';
import { parseOrderDate } from './parse-order-date.ts';
import type { AppDeps } from './ports.ts';

export type CreateInvitationInput = {
  email: unknown;
  name: unknown;
  order_ref?: unknown;
  campaign?: unknown;
  locale?: unknown;
  send_at?: unknown;
};

export type CreateInvitationResult = { created: boolean; invitation: InvitationView };

const ROLLING_WINDOW_MS = 60 * 60 * 1000;
const MAX_ORDER_REF = 200;
/** ISO 8601 date-time with an explicit offset; anything else is ambiguous about when to send. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

type Valid = { email: string; emailNorm: string; name: string; firstName: string; lastName: string | null; orderRef: string | null; campaign: string | null; locale: string | null; sendAt: Date | null };

function validate(input: CreateInvitationInput): Valid {
  const fields: FieldError[] = [];
  const email = checkEmailAddress(input.email);
  if (input.email === undefined) fields.push({ field: 'email', message: 'is required' });
  else if (!email.ok) fields.push({ field: 'email', message: email.message });
  const name = checkPersonName(input.name);
  if (input.name === undefined) fields.push({ field: 'name', message: 'is required' });
  else if (!name.ok) fields.push({ field: 'name', message: name.message });
  let orderRef: string | null = null;
  if (input.order_ref !== undefined && input.order_ref !== null) {
    if (typeof input.order_ref === 'number' && Number.isSafeInteger(input.order_ref)) orderRef = String(input.order_ref);
    else if (typeof input.order_ref !== 'string') fields.push({ field: 'order_ref', message: 'must be a string' });
    else if (input.order_ref.trim() === '' || input.order_ref.length > MAX_ORDER_REF || /\p{Cc}/u.test(input.order_ref)) {
      fields.push({ field: 'order_ref', message: `must be 1-${MAX_ORDER_REF} characters without control characters` });
    } else orderRef = input.order_ref.trim();
  }
  let campaign: string | null = null;
  if (input.campaign !== undefined && input.campaign !== null) {
    if (typeof input.campaign !== 'string' || !/^[a-z0-9-]{1,40}$/.test(input.campaign)) fields.push({ field: 'campaign', message: 'must be a campaign slug' });
    else campaign = input.campaign;
  }
  let locale: string | null = null;
  if (input.locale !== undefined && input.locale !== null) {
    const l = checkLocale(input.locale);
    if (l.ok) locale = l.locale;
    else fields.push({ field: 'locale', message: l.message });
  }
  let sendAt: Date | null = null;
  if (input.send_at !== undefined && input.send_at !== null) {
    // parseOrderDate refuses dates that do not exist (2026-02-30) instead of rolling them over.
    const parsed = typeof input.send_at === 'string' && ISO_INSTANT.test(input.send_at) ? parseOrderDate(input.send_at) : undefined;
    const d = parsed?.kind === 'instant' ? parsed.at : null;
    if (d === null || Number.isNaN(d.getTime()) || d.getUTCFullYear() > 9999) {
      fields.push({ field: 'send_at', message: 'must be an ISO 8601 date-time with a time zone, like 2026-12-01T09:00:00Z' });
    } else sendAt = d;
  }
  if (fields.length > 0 || !email.ok || !name.ok) throw validationError(fields);
  return { email: email.email, emailNorm: email.norm, name: name.name, firstName: name.firstName, lastName: name.lastName, orderRef, campaign, locale, sendAt };
}

export async function createInvitation(deps: AppDeps, tenantId: number, input: CreateInvitationInput): Promise<CreateInvitationResult> {
  const v = validate(input);
  const now = deps.clock.now();
  const result = await deps.db.transaction().execute(async (trx) => {
    // Serializes this tenant's API inserts so the rolling-hour count cannot be raced past its limit.
    const tenant = await trx.selectFrom('tenants').select(['id', 'invitations_per_hour']).where('id', '=', tenantId).forUpdate().executeTakeFirstOrThrow();
    const campaignQuery = trx.selectFrom('campaigns').select(['id', 'enabled', 'channel', 'expiry_days']).where('tenant_id', '=', tenantId);
    const campaign = await (v.campaign === null ? campaignQuery.where('is_default', '=', true) : campaignQuery.where('slug', '=', v.campaign)).executeTakeFirst();
    if (!campaign) throw validationError([{ field: 'campaign', message: v.campaign === null ? 'no default campaign' : `unknown campaign "${v.campaign}"` }]);
    if (!campaign.enabled) throw validationError([{ field: 'campaign', message: 'is disabled' }]);

    if (v.orderRef !== null) {
      // By (order_ref, campaign) — the unique key's order — without the tenant, whose campaign it is:
      // named, a tenant unknown to the statistics may get this answered by reading all its invitations.
      const existing = await trx.selectFrom('invitations').selectAll().where('order_ref', '=', v.orderRef).where('campaign_id', '=', campaign.id).executeTakeFirst();
      if (existing) return { created: false, row: existing };
    }

    const windowStart = new Date(now.getTime() - ROLLING_WINDOW_MS);
    // The window in creation order, at most the limit of it: the order makes the planner walk
    // (tenant_id, created_at) even for a tenant newer than the statistics, which it estimates at one
    // row — any tenant index then looks as good, and the narrowest reads all the tenant's invitations
    // (measured: 20,000 rows for a count of one hour's). The limit bounds a full window's cost.
    const window = trx
      .selectFrom('invitations')
      .select('created_at')
      .where('tenant_id', '=', tenantId)
      .where('created_at', '>', windowStart)
      .where('source', '=', 'api')
      .orderBy('tenant_id')
      .orderBy('created_at')
      .limit(tenant.invitations_per_hour);
    const used = await trx
      .selectFrom(window.as('w'))
      .select([sql<number>`count(*)::int`.as('n'), sql<Date | null>`min(w.created_at)`.as('oldest')])
      .executeTakeFirstOrThrow();
    if (used.n >= tenant.invitations_per_hour) {
      const freesAt = used.oldest ? used.oldest.getTime() + ROLLING_WINDOW_MS : now.getTime() + ROLLING_WINDOW_MS;
      const retryAfterSeconds = Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000));
      throw new AppError('rate_limited', `More than ${tenant.invitations_per_hour} invitations in the last hour for this account`, { retryAfterSeconds });
    }

    const suppressed = await trx.selectFrom('suppressions').select('reason').where('tenant_id', '=', tenantId).where('email_norm', '=', v.emailNorm).executeTakeFirst();
    const orderRef = v.orderRef ?? `api-${randomUUID()}`;
    const token = deps.links.reviewToken({ tenantId, campaignId: campaign.id, orderRef });
    const inserted = await trx
      .insertInto('invitations')
      .values({
        tenant_id: tenantId,
        campaign_id: campaign.id,
        order_ref: orderRef,
        email: v.email,
        email_norm: v.emailNorm,
        first_name: v.firstName,
        last_name: v.lastName,
        name: v.name,
        locale: v.locale,
        channel: campaign.channel,
        source: 'api',
        scheduled_at: v.sendAt ?? now,
        token_hash: deps.links.hashToken(token),
        created_at: now,
        updated_at: now,
        ...(suppressed ? { state: 'skipped', reason_code: 'suppressed' } : {}),
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'campaign_id', 'order_ref']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      // A concurrent request with the same order_ref won the insert.
      const existing = await trx.selectFrom('invitations').selectAll().where('tenant_id', '=', tenantId).where('campaign_id', '=', campaign.id).where('order_ref', '=', orderRef).executeTakeFirstOrThrow();
      return { created: false, row: existing };
    }
    await trx
      .insertInto('invitation_events')
      .values([
        { invitation_id: inserted.id, tenant_id: tenantId, type: 'created', at: now, data: JSON.stringify({ source: 'api' }) },
        ...(suppressed ? [{ invitation_id: inserted.id, tenant_id: tenantId, type: 'skipped', at: now, data: JSON.stringify({ reason_code: 'suppressed' }) }] : []),
      ])
      .execute();
    return { created: true, row: inserted as Invitation };
  });
  if (result.created && result.row.state === 'pending' && result.row.scheduled_at.getTime() <= Date.now()) deps.wakeWorker();
  return { created: result.created, invitation: invitationView(deps, result.row) };
}

/**
 * The field errors createInvitation would raise for this input, without touching the database: the
 * HTTP layer merges them with its schema errors so one 400 names every bad field.
 */
export function invitationFieldErrors(input: CreateInvitationInput): FieldError[] {
  try {
    validate(input);
    return [];
  } catch (err) {
    if (err instanceof AppError && err.fields) return err.fields;
    throw err;
  }
}
