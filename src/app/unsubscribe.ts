/**
 * The do-not-invite list. `suppressAddress` is the one way an address gets on it — the unsubscribe
 * link, the suppressions API and bounce/complaint webhooks all call it — and it withdraws the
 * tenant's pending invitations to that address in the same transaction, so nothing already queued
 * goes out after the suppression commits (invariant I5, src/db/queue/invariants.md). Invitations a
 * worker holds right now (`sending`) are left to the worker's send-time re-check: touching them would
 * break lease fencing.
 *
 * Scope is per tenant: unsubscribing from one shop's review requests says nothing about another's.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { maskEmail } from '../logger.ts';
import type { AppDeps } from './ports.ts';

export type SuppressionReason = 'unsubscribed' | 'bounced' | 'complained' | 'erased' | 'manual';

export type SuppressResult = {
  /** False when the address was already suppressed (the first reason and source are kept). */
  created: boolean;
  skippedInvitationIds: number[];
};

/** Runs inside the caller's transaction when given one, so callers can add their own facts to it. */
export async function suppressAddress(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  tenantId: number,
  emailNorm: string,
  reason: SuppressionReason,
  source: string,
): Promise<SuppressResult> {
  const now = deps.clock.now();
  const work = async (trx: Kysely<Database>): Promise<SuppressResult> => {
    // createInvitation holds the tenant row FOR UPDATE while it checks suppressions and inserts;
    // sharing that lock orders the two, so an invitation created concurrently is either created
    // already skipped or is pending by the time the UPDATE below runs — never missed by both.
    await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).forShare().execute();
    const inserted = await trx
      .insertInto('suppressions')
      .values({ tenant_id: tenantId, email_norm: emailNorm, reason, source, created_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'email_norm']).doNothing())
      .returning('email_norm')
      .executeTakeFirst();
    // The address's pending invitations found by address, the tenant filtered after the probe
    // (nearest-invitation-at.ts says why the probe does not name it).
    const ofAddress = trx.selectFrom('invitations').select(['id', 'tenant_id']).where('email_norm', '=', emailNorm).where('state', '=', 'pending').offset(0);
    const skipped = await trx
      .updateTable('invitations')
      .set({ state: 'skipped', reason_code: 'suppressed', updated_at: now })
      .where('id', 'in', trx.selectFrom(ofAddress.as('a')).select('a.id').where('a.tenant_id', '=', tenantId))
      .where('state', '=', 'pending')
      .returning('id')
      .execute();
    if (skipped.length > 0) {
      await trx
        .insertInto('invitation_events')
        .values(skipped.map((s) => ({ invitation_id: s.id, tenant_id: tenantId, type: 'skipped', at: now, data: JSON.stringify({ reason_code: 'suppressed' }) })))
        .execute();
    }
    return { created: inserted !== undefined, skippedInvitationIds: skipped.map((s) => s.id) };
  };
  return deps.db.isTransaction ? work(deps.db) : deps.db.transaction().execute(work);
}

/** What the unsubscribe page may show: the shop, and the address only masked (links get forwarded). */
export type UnsubscribeTarget = {
  invitationId: number;
  tenantId: number;
  tenantName: string;
  emailNorm: string;
  maskedEmail: string;
  locale: string | null;
  suppressed: boolean;
};

export type UnsubscribeSource = 'one-click' | 'page';

export type UnsubscribeResult = { kind: 'invalid' } | { kind: 'unsubscribed'; target: UnsubscribeTarget; created: boolean };

/**
 * The invitation an unsubscribe token was made for. A token with a bad MAC still costs one lookup
 * (of an id that cannot exist), so a forged token and a deleted invitation take the same path.
 */
export async function findUnsubscribeTarget(deps: Pick<AppDeps, 'db' | 'links'>, token: string): Promise<UnsubscribeTarget | undefined> {
  const id = deps.links.verifyUnsubscribeToken(token) ?? 0;
  const row = await deps.db
    .selectFrom('invitations as i')
    .innerJoin('tenants as t', 't.id', 'i.tenant_id')
    .leftJoin('suppressions as s', (join) => join.onRef('s.tenant_id', '=', 'i.tenant_id').onRef('s.email_norm', '=', 'i.email_norm'))
    .select(['i.id', 'i.tenant_id', 'i.email_norm', 'i.locale', 't.name as tenant_name', 's.reason'])
    .where('i.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    invitationId: row.id,
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    emailNorm: row.email_norm,
    maskedEmail: maskEmail(row.email_norm),
    locale: row.locale,
    suppressed: row.reason !== null,
  };
}

/** Idempotent: a repeated one-click POST (mail providers retry) answers the same and changes nothing. */
export async function unsubscribe(deps: AppDeps, token: string, source: UnsubscribeSource): Promise<UnsubscribeResult> {
  const target = await findUnsubscribeTarget(deps, token);
  if (!target) return { kind: 'invalid' };
  const now = deps.clock.now();
  const result = await deps.db.transaction().execute(async (trx) => {
    const r = await suppressAddress({ db: trx, clock: deps.clock }, target.tenantId, target.emailNorm, 'unsubscribed', source);
    if (r.created) {
      await trx
        .insertInto('invitation_events')
        .values({ invitation_id: target.invitationId, tenant_id: target.tenantId, type: 'unsubscribed', at: now, data: JSON.stringify({ source }) })
        .execute();
    }
    return r;
  });
  if (result.created) deps.logger.info({ tenant: target.tenantId, invitation: target.invitationId, source, skipped: result.skippedInvitationIds.length }, 'address unsubscribed');
  return { kind: 'unsubscribed', target: { ...target, suppressed: true }, created: result.created };
}
