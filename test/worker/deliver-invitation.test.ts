import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverInvitation, type DeliveryDeps } from '../../src/app/deliver-invitation.ts';
import { DeliveryError, type Channel } from '../../src/app/ports.ts';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import { decideAfterFailure, maxUncertainAttempts } from '../../src/domain/delivery-policy.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { attemptsOf, dbNow, invitationRow, newInvitation, newTenant } from './queue-fixtures.ts';

describe('delivery policy', () => {
  const base = { attempt: 1, maxAttempts: 8, uncertainAttempts: 0, random: 0.5 };
  it('retries transient failures with growing, capped backoff and honours Retry-After', () => {
    const delays = [1, 2, 3, 12].map((attempt) => decideAfterFailure({ ...base, kind: 'transient', attempt, maxAttempts: 20 }));
    expect(delays.map((d) => (d.action === 'retry' ? d.delayMs : -1))).toEqual([22_500, 45_000, 90_000, 6 * 60 * 60_000 * 0.75]);
    expect(decideAfterFailure({ ...base, kind: 'transient', retryAfterMs: 3_600_000 })).toEqual({ action: 'retry', delayMs: 3_600_000 });
  });
  it('fails permanent failures, exhausted attempts and a second uncertain attempt', () => {
    expect(decideAfterFailure({ ...base, kind: 'permanent' })).toEqual({ action: 'fail', reasonCode: 'permanent_failure' });
    expect(decideAfterFailure({ ...base, kind: 'permanent', reasonCode: 'invalid_recipient' })).toEqual({ action: 'fail', reasonCode: 'invalid_recipient' });
    expect(decideAfterFailure({ ...base, kind: 'transient', attempt: 8 })).toEqual({ action: 'fail', reasonCode: 'attempts_exhausted' });
    expect(decideAfterFailure({ ...base, kind: 'uncertain' }).action).toBe('retry');
    expect(decideAfterFailure({ ...base, kind: 'uncertain', uncertainAttempts: maxUncertainAttempts - 1 })).toEqual({ action: 'fail', reasonCode: 'delivery_uncertain' });
  });
});

describe.each(engines)('deliverInvitation on %s', (engine) => {
  let s: TestServices;
  let tenantId: number;
  beforeAll(async () => {
    s = await createTestServices(engine);
    tenantId = (await newTenant(s)).id;
  });
  afterAll(async () => s?.dispose());

  /** Claims one fresh invitation and delivers it through `channel`. */
  async function deliverWith(channel: Channel, leaseMs = 60_000) {
    const api = await newInvitation(s, tenantId);
    const { claimed } = await claimInvitations(s.database.pool, { batchSize: 100, leaseMs });
    const mine = claimed.find((c) => c.invitation.id === api.id)!;
    const deps: DeliveryDeps = { db: s.deps.db, logger: s.logger, links: s.deps.links, publicUrl: s.deps.publicUrl, channels: { get: () => channel }, leaseMs, maxAttempts: 8 };
    const outcome = await deliverInvitation(deps, mine);
    return { api, outcome, row: await invitationRow(s, api.id), attempts: await attemptsOf(s, api.id) };
  }
  const channelThat = (deliver: Channel['deliver']): Channel => ({ id: 'email', deliver });

  it.each([
    ['throws an Error', () => Promise.reject(new Error('boom'))],
    ['throws a string', () => Promise.reject('just a string')],
    ['throws undefined', () => Promise.reject(undefined)],
    ['rejects late', () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 50))],
  ])('a channel that %s: one transient attempt, retried later', async (_name, deliver) => {
    const { outcome, row, attempts } = await deliverWith(channelThat(deliver as Channel['deliver']));
    expect(outcome.result).toBe('retry');
    expect(row.state).toBe('pending');
    expect(row.scheduled_at.getTime()).toBeGreaterThan((await dbNow(s)).getTime());
    expect(attempts).toMatchObject([{ outcome: 'transient' }]);
    expect(attempts[0]!.error).toBeTruthy();
  });

  it('Retry-After from the channel sets the next try', async () => {
    const { row } = await deliverWith(channelThat(() => Promise.reject(new DeliveryError('transient', '429', { retryAfterMs: 2 * 60 * 60_000 }))));
    const delay = row.scheduled_at.getTime() - (await dbNow(s)).getTime();
    expect(delay).toBeGreaterThan(2 * 60 * 60_000 - 60_000);
    // It also pauses the tenant's whole rate key (test/rate-limits); lifted so the next tests can claim.
    const paused = await s.deps.db.deleteFrom('rate_limits').where('tenant_id', '=', tenantId).where('key', '=', 'email').returning('blocked_until').executeTakeFirst();
    expect(paused?.blocked_until!.getTime()).toBeGreaterThan(row.scheduled_at.getTime() - 60_000);
  });

  it('a channel that ignores its AbortSignal is given up on: uncertain, the worker is free again', async () => {
    let signal: AbortSignal | undefined;
    const { outcome, row, attempts } = await deliverWith(
      channelThat((_req, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      }),
      2_000,
    );
    expect(signal?.aborted).toBe(true);
    expect(outcome).toMatchObject({ result: 'retry', attemptOutcome: 'uncertain' });
    expect(row).toMatchObject({ state: 'pending', uncertain_attempts: 1 });
    expect(attempts).toMatchObject([{ outcome: 'uncertain' }]);
  });

  it('renews a lease that aged while the invitation waited, before calling out', async () => {
    const api = await newInvitation(s, tenantId);
    const { claimed } = await claimInvitations(s.database.pool, { batchSize: 100, leaseMs: 60_000 });
    const mine = claimed.find((c) => c.invitation.id === api.id)!;
    const before = (await invitationRow(s, api.id)).leased_until!;
    let leasedUntilDuringCall: Date | null = null;
    const channel = channelThat(async () => {
      leasedUntilDuringCall = (await invitationRow(s, api.id)).leased_until;
      return { providerRef: 'ok' };
    });
    const deps: DeliveryDeps = { db: s.deps.db, logger: s.logger, links: s.deps.links, publicUrl: s.deps.publicUrl, channels: { get: () => channel }, leaseMs: 60_000, maxAttempts: 8 };
    // As if it had waited 50 s in the worker after its claim.
    const outcome = await deliverInvitation(deps, { ...mine, claimedAtMs: mine.claimedAtMs - 50_000 });
    expect(outcome.result).toBe('sent');
    expect(leasedUntilDuringCall!.getTime()).toBeGreaterThan(before.getTime());
  });

  it('hands the channel the review link, the unsubscribe link, the tenant and the campaign', async () => {
    let seen: Parameters<Channel['deliver']>[0] | undefined;
    const { api, outcome, row } = await deliverWith(channelThat(async (req) => ((seen = req), { providerRef: 'ref-1' })));
    expect(outcome.result).toBe('sent');
    expect(seen).toMatchObject({ reviewUrl: api.review_url, tenant: { id: tenantId }, campaign: { slug: 'default', expiryDays: 30 } });
    expect(s.deps.links.verifyUnsubscribeToken(seen!.unsubscribeUrl.split('/u/')[1]!)).toBe(api.id);
    expect(row).toMatchObject({ state: 'sent', provider_ref: 'ref-1' });
  });
});
