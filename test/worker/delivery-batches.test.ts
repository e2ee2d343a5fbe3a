/**
 * The worker's shared statements (src/app/delivery-batches.ts): concurrent deliveries read their
 * send context and record "sent" in one statement between them, and every invitation in a batch
 * still gets exactly its own answer and its own lease fence.
 */
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryBatches } from '../../src/app/delivery-batches.ts';
import { claimInvitations, type ClaimedInvitation } from '../../src/db/queue/claim-invitations.ts';
import { createLogger } from '../../src/logger.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { attemptsOf, eventTypes, invitationRow, newInvitation, newTenant } from './queue-fixtures.ts';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('warn', stream), lines };
}

describe.each(engines)('delivery batches on %s', (engine) => {
  let s: TestServices;
  beforeAll(async () => {
    s = await createTestServices(engine);
  });
  afterAll(async () => s?.dispose());

  /** Three fresh invitations claimed by us; the second one's lease then taken over by "another worker". */
  async function claimThreeStealOne(): Promise<{ mine: ClaimedInvitation[]; stolenToken: string }> {
    const tenant = await newTenant(s);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await newInvitation(s, tenant.id)).id);
    const { claimed } = await claimInvitations(s.database.pool, { batchSize: 100, leaseMs: 60_000 });
    const mine = ids.map((id) => claimed.find((c) => c.invitation.id === id)!);
    const { rows } = await sql<{ lease_token: string }>`
      UPDATE invitations SET lease_token = gen_random_uuid() WHERE id = ${ids[1]!} RETURNING lease_token`.execute(s.deps.db);
    return { mine, stolenToken: rows[0]!.lease_token };
  }

  it('reads the send context of concurrent deliveries together, each with its own lease answer', async () => {
    const { mine } = await claimThreeStealOne();
    const batches = createDeliveryBatches(s.deps.db, s.logger);
    const contexts = await Promise.all([
      ...mine.map((c) => batches.readSendContext({ invitationId: c.invitation.id, leaseToken: c.leaseToken })),
      batches.readSendContext({ invitationId: 987_654_321, leaseToken: mine[0]!.leaseToken }),
    ]);
    expect(contexts.map((c) => c?.leaseHeld)).toEqual([true, false, true, undefined]);
    const first = contexts[0]!;
    expect(first).toMatchObject({ suppressed: false, completed: false, tenant: { id: mine[0]!.invitation.tenant_id }, campaign: { enabled: true } });
    // What the send-time re-check decides on comes with it: no second read per invitation.
    expect(first.recheck).toMatchObject({ enabled: true, order_status: null, suppressed: false });
    expect(first.recheck!.db_now).toBeInstanceOf(Date);
  });

  it('records "sent" for concurrent deliveries in one statement, fenced per invitation', async () => {
    const { mine, stolenToken } = await claimThreeStealOne();
    const { logger, lines } = capturingLogger();
    const batches = createDeliveryBatches(s.deps.db, logger);
    const applied = await Promise.all(
      mine.map((c, i) => batches.markSent({ invitationId: c.invitation.id, leaseToken: c.leaseToken, attempt: c.attempt, providerRef: `ref-${i}`, durationMs: 12.6 })),
    );
    expect(applied).toEqual([true, false, true]);

    for (const i of [0, 2]) {
      const row = await invitationRow(s, mine[i]!.invitation.id);
      expect(row).toMatchObject({ state: 'sent', provider_ref: `ref-${i}`, lease_token: null, leased_until: null });
      expect(row.expires_at!.getTime()).toBeGreaterThan(row.sent_at!.getTime() + 29 * 86_400_000);
      expect(await eventTypes(s, mine[i]!.invitation.id)).toEqual(['created', 'sent']);
      const [event] = await s.deps.db.selectFrom('invitation_events').select('data').where('invitation_id', '=', mine[i]!.invitation.id).where('type', '=', 'sent').execute();
      expect(event!.data).toEqual({ attempt: 1, provider_ref: `ref-${i}` });
    }
    // The taken-over one is the other worker's: untouched but for our own attempt row, which says what our attempt did.
    const stolen = await invitationRow(s, mine[1]!.invitation.id);
    expect(stolen).toMatchObject({ state: 'sending', lease_token: stolenToken, sent_at: null, provider_ref: null });
    expect(await eventTypes(s, mine[1]!.invitation.id)).toEqual(['created']);
    expect(await attemptsOf(s, mine[1]!.invitation.id)).toMatchObject([{ attempt: 1, outcome: 'sent', provider_ref: 'ref-1', duration_ms: 13 }]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, invitation: mine[1]!.invitation.id, msg: expect.stringMatching(/^lease lost/) }));
    expect(lines.filter((l) => /^lease lost/.test(String(l.msg)))).toHaveLength(1);
  });
});
