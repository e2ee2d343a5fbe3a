/**
 * The send-time re-check and the catch-up policy (issue 4 points 3 and 4): called directly, through
 * deliverInvitation after a claim, and through the worker's runOnce. The worker claims by the
 * database's clock, so this file's clock is the real one and "due" is set with SQL.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverInvitation, type DeliveryDeps } from '../../src/app/deliver-invitation.ts';
import { recheckInvitation, recheckInvitationWithDetail } from '../../src/app/recheck-invitation.ts';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import { createWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { anOrder, createOrdersFixture, type OrdersFixture, type Shop } from './orders-fixture.ts';

const DAY = 86_400_000;

describe.each(engines)('send-time re-check and catch-up on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine, { now: new Date() });
  });
  afterAll(async () => f?.close());

  /** A completed order now, for `email`; returns its one invitation's id. */
  async function scheduled(shop: Shop, ref: string, email = 'jane@example.com'): Promise<number> {
    f.clock.set(new Date());
    const iso = new Date(Date.now() - 60_000).toISOString();
    const res = await shop.order(anOrder(ref, { status_changed_at: iso, placed_at: iso, customer: { email } }));
    expect(res.invitations).toHaveLength(1);
    return res.invitations[0]!.id;
  }
  const row = (id: number) => f.s.deps.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const makeDue = (id: number, daysAgo = 0) =>
    sql`UPDATE invitations SET scheduled_at = now() - ${daysAgo * DAY + 1000} * interval '1 millisecond' WHERE id = ${id}`.execute(f.s.deps.db);
  const worker = () => createWorker(f.s, { periodicTasks: false });
  const deliveryDeps = (): DeliveryDeps => ({
    db: f.s.deps.db,
    logger: f.s.logger,
    links: f.s.deps.links,
    publicUrl: f.s.deps.publicUrl,
    channels: f.s.channels,
    leaseMs: 60_000,
    maxAttempts: 8,
  });

  it('an order refunded after the worker claimed its invitation: the re-check says order_refunded and nothing is sent', async () => {
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7 }]);
    const id = await scheduled(shop, 'RF-1');
    expect(await recheckInvitation(f.s.deps.db, await row(id))).toBeNull();
    await makeDue(id);
    const { claimed } = await claimInvitations(f.s.database.pool, { batchSize: 10, leaseMs: 60_000 });
    const mine = claimed.find((c) => c.invitation.id === id)!;
    // The refund arrives while the worker holds the invitation: the order write leaves it to the worker.
    const refund = await shop.order(anOrder('RF-1', { status: 'refunded', status_changed_at: new Date().toISOString(), placed_at: new Date(Date.now() - 60_000).toISOString(), customer: { email: 'jane@example.com' } }));
    expect(refund.skipped).toEqual([]);
    expect(await recheckInvitation(f.s.deps.db, mine.invitation)).toBe('order_refunded');
    const outcome = await deliverInvitation(deliveryDeps(), mine);
    expect(outcome).toMatchObject({ result: 'skipped', attemptOutcome: 'skipped' });
    expect(await row(id)).toMatchObject({ state: 'skipped', reason_code: 'order_refunded', sent_at: null });
    expect(await f.s.deps.db.selectFrom('outbox').select('id').where('invitation_id', '=', id).execute()).toEqual([]);
  });

  it('an order moved to an excluded status: skipped through the worker with order_status_excluded', async () => {
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7, criteria: { excluded_statuses: ['on-hold'] } }]);
    const id = await scheduled(shop, 'EX-1');
    const hold = await shop.order({ order_ref: 'EX-1', store: 'main', status: 'on-hold' });
    expect(hold.invitations[0]).toMatchObject({ id, state: 'pending' });
    await makeDue(id);
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, skipped: 1, sent: 0 });
    expect(await row(id)).toMatchObject({ state: 'skipped', reason_code: 'order_status_excluded' });
  });

  it('a campaign disabled after scheduling: campaign_disabled', async () => {
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7 }]);
    const id = await scheduled(shop, 'CD-1');
    expect((await shop.patch('/api/v1/campaigns/week', { enabled: false })).statusCode).toBe(200);
    expect(await recheckInvitation(f.s.deps.db, await row(id))).toBe('campaign_disabled');
    await makeDue(id);
    expect(await worker().runOnce()).toMatchObject({ skipped: 1 });
    expect(await row(id)).toMatchObject({ state: 'skipped', reason_code: 'campaign_disabled' });
  });

  it('an address suppressed behind the order write\'s back (no pending sweep): suppressed', async () => {
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7 }]);
    const id = await scheduled(shop, 'SU-1', 'gone@example.com');
    await f.s.deps.db.insertInto('suppressions').values({ tenant_id: shop.tenantId, email_norm: 'gone@example.com', reason: 'bounced', source: 'test' }).execute();
    expect(await recheckInvitation(f.s.deps.db, await row(id))).toBe('suppressed');
  });

  it('the frequency cap at send time counts only invitations that really went out', async () => {
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7 }]);
    const first = await scheduled(shop, 'FC-1', 'cap@example.com');
    const second = await scheduled(shop, 'FC-2', 'cap@example.com');
    expect((await shop.patch('/api/v1/campaigns/week', { frequency_cap_days: 30 })).statusCode).toBe(200);
    // Both pending: neither caps the other.
    expect(await recheckInvitation(f.s.deps.db, await row(first))).toBeNull();
    await makeDue(first);
    expect(await worker().runOnce()).toMatchObject({ sent: 1 });
    expect(await row(first)).toMatchObject({ state: 'sent' });
    expect(await recheckInvitationWithDetail(f.s.deps.db, await row(second))).toEqual({ reason: 'frequency_cap', detail: expect.stringContaining('30 days') });
    await makeDue(second);
    expect(await worker().runOnce()).toMatchObject({ skipped: 1 });
    expect(await row(second)).toMatchObject({ state: 'skipped', reason_code: 'frequency_cap' });
  });

  it('catch-up: missed_window past send_late_days (exactly the limit still sends), oldest first otherwise', async () => {
    const shop = await f.shop([{ name: 'Late', slug: 'late', delay_days: 7, send_late_days: 3 }]);
    const ancient = await scheduled(shop, 'CU-1', 'a@example.com');
    const older = await scheduled(shop, 'CU-2', 'b@example.com');
    const newer = await scheduled(shop, 'CU-3', 'c@example.com');
    const r = await row(ancient);
    expect(await recheckInvitation(f.s.deps.db, r, { now: new Date(r.scheduled_at.getTime() + 3 * DAY) })).toBeNull();
    expect(await recheckInvitation(f.s.deps.db, r, { now: new Date(r.scheduled_at.getTime() + 3 * DAY + 1) })).toBe('missed_window');

    await makeDue(ancient, 10);
    await makeDue(older, 2);
    await makeDue(newer, 1);
    const w = worker();
    expect(await w.runOnce({ batchSize: 1 })).toMatchObject({ claimed: 1, skipped: 1 });
    expect(await row(ancient)).toMatchObject({ state: 'skipped', reason_code: 'missed_window' });
    expect(await w.runOnce({ batchSize: 1 })).toMatchObject({ claimed: 1, sent: 1 });
    expect(await row(older)).toMatchObject({ state: 'sent' });
    expect(await row(newer)).toMatchObject({ state: 'pending' });
    expect(await w.runOnce({ batchSize: 1 })).toMatchObject({ sent: 1 });
    expect(await row(newer)).toMatchObject({ state: 'sent' });
    const skippedEvent = await f.s.deps.db.selectFrom('invitation_events').select('data').where('invitation_id', '=', ancient).where('type', '=', 'skipped').executeTakeFirstOrThrow();
    expect(skippedEvent.data).toMatchObject({ reason_code: 'missed_window', at_send_time: true });
  });

  it('without send_late_days an invitation goes out however late', async () => {
    const shop = await f.shop([{ name: 'Patient', slug: 'patient', delay_days: 7 }]);
    const id = await scheduled(shop, 'PT-1', 'p@example.com');
    await makeDue(id, 60);
    expect(await worker().runOnce()).toMatchObject({ sent: 1 });
    expect(await row(id)).toMatchObject({ state: 'sent' });
  });

  it('invitations without an order (amino API) are re-checked for campaign and suppression only', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const res = await shop.post('/api/v1/invitations', { email: 'api@example.com', name: 'Api', order_ref: 'A-1', send_at: new Date(Date.now() + DAY).toISOString() });
    expect(res.statusCode).toBe(200);
    const id = res.json().invitation.id as number;
    expect(await recheckInvitation(f.s.deps.db, await row(id))).toBeNull();
    await f.s.deps.db.insertInto('suppressions').values({ tenant_id: shop.tenantId, email_norm: 'api@example.com', reason: 'manual', source: 'test' }).execute();
    expect(await recheckInvitation(f.s.deps.db, await row(id))).toBe('suppressed');
  });
});
