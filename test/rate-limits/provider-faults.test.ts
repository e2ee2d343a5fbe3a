/**
 * Retry policy end to end: the real worker delivers through the real webhook and amino channels to a
 * scriptable HTTP server (test/helpers/http-fault-server.ts), a fresh one per test so a late request
 * of one test never takes a scripted answer meant for the next. Times are compared as database
 * timestamps (the attempt ledger's, the invitation's), never as wall-clock durations.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createWorker } from '../../src/worker/worker.ts';
import { startHttpFaultServer, type HttpFaultServer } from '../helpers/http-fault-server.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { attemptsOf, invitationRow, makeDue } from '../worker/queue-fixtures.ts';
import { addInvitations, countByState, drain, mostInAnyWindow, tenantOn } from './rate-limit-fixtures.ts';

const MAX_ATTEMPTS = 3;
/** Short enough for the hang test, long enough that PGlite (in this process's event loop) never trips it. */
const HTTP_TIMEOUT_MS = 2000;

describe.each(engines)('provider faults through the worker on %s', (engine) => {
  let s: TestServices;
  let server: HttpFaultServer;
  beforeAll(async () => {
    s = await createTestServices(engine, { env: { ALLOW_PRIVATE_WEBHOOKS: 'true', HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS), WORKER_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
  });
  beforeEach(async () => {
    server = await startHttpFaultServer();
  });
  afterEach(async () => server?.close());
  afterAll(async () => s?.dispose());

  const runOnce = () => createWorker(s, { periodicTasks: false }).runOnce();
  const blockOf = async (tenantId: number, key: string) =>
    (await s.deps.db.selectFrom('rate_limits').select('blocked_until').where('tenant_id', '=', tenantId).where('key', '=', key).executeTakeFirst())?.blocked_until ?? null;
  const requestsFor = (id: number) => server.requests.filter((r) => r.headers['webhook-id'] === `inv_${id}`);

  it("429 Retry-After (seconds): rescheduled at ≥ Retry-After, the tenant's other webhook invitations wait, another tenant's go out", async () => {
    const a = await tenantOn(s, 'webhook', server.url);
    const b = await tenantOn(s, 'webhook', server.url);
    const [first] = await addInvitations(s, a, 1);
    const aLater = await addInvitations(s, a, 2, -3600);
    const bLater = await addInvitations(s, b, 2, -3600);

    server.script({ kind: 'respond', status: 429, headers: { 'retry-after': '120' }, body: '{"error":"slow down"}' });
    expect(await runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    const [attempt] = await attemptsOf(s, first!);
    expect(attempt).toMatchObject({ outcome: 'transient', error: expect.stringContaining('HTTP 429') });
    const row = await invitationRow(s, first!);
    expect(row.state).toBe('pending');
    expect(row.scheduled_at.getTime() - attempt!.finished_at!.getTime()).toBeGreaterThanOrEqual(120_000);
    expect((await blockOf(a.tenantId, 'webhook'))!.getTime() - attempt!.started_at.getTime()).toBeGreaterThanOrEqual(120_000);
    expect(await blockOf(b.tenantId, 'webhook')).toBeNull();

    // Everything due now: A's key is paused (the retried one included), B's is not.
    for (const id of [first!, ...aLater, ...bLater]) await makeDue(s, id);
    expect(await runOnce()).toMatchObject({ claimed: 2, sent: 2 });
    for (const id of bLater) expect(requestsFor(id)).toHaveLength(1);
    for (const id of aLater) expect(await invitationRow(s, id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await countByState(s, a.tenantId)).toEqual({ pending: 3 });

    // The pause over (moved into the past rather than waited out): A's three go out.
    await sql`UPDATE rate_limits SET blocked_until = now() - interval '1 second' WHERE tenant_id = ${a.tenantId}`.execute(s.deps.db);
    expect(await drain(s)).toMatchObject({ sent: 3 });
    expect(await countByState(s, a.tenantId)).toEqual({ sent: 3 });
  });

  it('429 Retry-After as an HTTP-date, through the amino channel: the key pauses until that date', async () => {
    const a = await tenantOn(s, 'amino', server.url);
    const other = await tenantOn(s, 'amino', server.url);
    const [first] = await addInvitations(s, a, 1);
    const until = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    server.script({ kind: 'respond', status: 429, headers: { 'retry-after': until.toUTCString() } });
    expect(await runOnce()).toMatchObject({ retried: 1 });
    expect(server.requests.at(-1)).toMatchObject({ url: '/api/v1/invitations', headers: { authorization: 'Bearer amino-test-key-0123456789' } });
    const blocked = (await blockOf(a.tenantId, 'amino'))!;
    expect(Math.abs(blocked.getTime() - until.getTime())).toBeLessThan(5_000);
    expect((await invitationRow(s, first!)).scheduled_at.getTime()).toBeGreaterThanOrEqual(blocked.getTime() - 5_000);

    const aMore = await addInvitations(s, a, 2);
    const [theirs] = await addInvitations(s, other, 1);
    expect(await runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    expect(await invitationRow(s, theirs!)).toMatchObject({ state: 'sent' });
    for (const id of aMore) expect(await invitationRow(s, id)).toMatchObject({ state: 'pending', attempts: 0 });
    await sql`UPDATE invitations SET state = 'skipped', reason_code = 'manual_skip' WHERE tenant_id = ${a.tenantId} AND state = 'pending'`.execute(s.deps.db);
  });

  it("amino's default budget (100 per hour) holds the 101st invitation, through the worker", async () => {
    const shop = await tenantOn(s, 'amino', server.url);
    await addInvitations(s, shop, 103);
    // The budget is what is asserted, not the transport: a slow answer (a busy test machine) would be
    // retried later, but it is one of the 100 started all the same.
    const counts = await drain(s);
    expect(counts.claimed).toBe(100);
    expect(counts.sent + counts.retried).toBe(100);
    expect(server.requests.length).toBeLessThanOrEqual(100);
    expect(await mostInAnyWindow(s, shop.tenantId, 'amino', 3600)).toBe(100);
    const never = await s.deps.db.selectFrom('invitations').select('id').where('tenant_id', '=', shop.tenantId).where('attempts', '=', 0).execute();
    expect(never).toHaveLength(3);
    await sql`UPDATE invitations SET state = 'skipped', reason_code = 'manual_skip' WHERE tenant_id = ${shop.tenantId} AND state = 'pending'`.execute(s.deps.db);
  });

  it('500 then 503: retried with growing jittered backoff, then sent; every attempt has an outcome and a duration', async () => {
    const shop = await tenantOn(s, 'webhook', server.url);
    const [id] = await addInvitations(s, shop, 1);
    server.script({ kind: 'respond', status: 500 }, { kind: 'respond', status: 503 });
    const windows = [
      [15_000, 30_000],
      [30_000, 60_000],
    ];
    for (const [min, max] of windows) {
      expect(await runOnce()).toMatchObject({ retried: 1 });
      const row = await invitationRow(s, id!);
      const last = (await attemptsOf(s, id!)).at(-1)!;
      const delay = row.scheduled_at.getTime() - last.finished_at!.getTime();
      expect(delay).toBeGreaterThanOrEqual(min!);
      expect(delay).toBeLessThanOrEqual(max!);
      await makeDue(s, id!);
    }
    expect(await runOnce()).toMatchObject({ sent: 1 });
    const attempts = await attemptsOf(s, id!);
    expect(attempts.map((a) => a.outcome)).toEqual(['transient', 'transient', 'sent']);
    for (const a of attempts) {
      expect(a.duration_ms).toBeGreaterThanOrEqual(0);
      expect(a.finished_at).not.toBeNull();
      expect(a.rate_key).toBe('webhook');
    }
    // No Retry-After, no pause: a 5xx speaks for one request, not for the account.
    expect(await blockOf(shop.tenantId, 'webhook')).toBeNull();
    expect(requestsFor(id!)).toHaveLength(3);
  });

  it('400 fails the invitation at once (permanent), without a retry', async () => {
    const shop = await tenantOn(s, 'webhook', server.url);
    const [id] = await addInvitations(s, shop, 1);
    server.script({ kind: 'respond', status: 400, body: '{"error":"bad payload"}' });
    expect(await runOnce()).toMatchObject({ failed: 1 });
    expect(await invitationRow(s, id!)).toMatchObject({ state: 'failed', reason_code: 'permanent_failure', attempts: 1 });
    expect(await attemptsOf(s, id!)).toMatchObject([{ outcome: 'permanent', error: expect.stringContaining('HTTP 400') }]);
    await makeDue(s, id!);
    expect(await runOnce()).toMatchObject({ claimed: 0 });
  });

  it('a provider that hangs past HTTP_TIMEOUT_MS: retried (it deduplicates on webhook-id), then delivered', async () => {
    const shop = await tenantOn(s, 'webhook', server.url);
    const [id] = await addInvitations(s, shop, 1);
    server.script({ kind: 'hang' });
    expect(await runOnce()).toMatchObject({ retried: 1, uncertain: 0 });
    expect(await invitationRow(s, id!)).toMatchObject({ state: 'pending', uncertain_attempts: 0 });
    expect(await attemptsOf(s, id!)).toMatchObject([{ outcome: 'transient', error: expect.stringContaining(`no answer within ${HTTP_TIMEOUT_MS} ms`) }]);
    await makeDue(s, id!);
    expect(await runOnce()).toMatchObject({ sent: 1 });
    expect(requestsFor(id!)).toHaveLength(2);
  });

  it(`attempts exhausted after ${MAX_ATTEMPTS} failures: failed, attempts_exhausted`, async () => {
    const shop = await tenantOn(s, 'webhook', server.url);
    const [id] = await addInvitations(s, shop, 1);
    server.fallback = { kind: 'respond', status: 502 };
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      expect(await runOnce()).toMatchObject({ retried: 1 });
      await makeDue(s, id!);
    }
    expect(await runOnce()).toMatchObject({ failed: 1 });
    expect(await invitationRow(s, id!)).toMatchObject({ state: 'failed', reason_code: 'attempts_exhausted', attempts: MAX_ATTEMPTS });
    expect((await attemptsOf(s, id!)).map((a) => a.outcome)).toEqual(Array(MAX_ATTEMPTS).fill('transient'));
  });
});
