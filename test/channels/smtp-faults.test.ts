import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createWorker, type StartableWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { attemptsOf, dbNow, eventTypes, invitationRow, makeDue, newInvitation, newTenant } from '../worker/queue-fixtures.ts';

describe.each(engines)('SMTP faults on %s', (engine) => {
  let s: TestServices;
  let sink: SmtpSink;
  let worker: StartableWorker;
  let tenantId: number;
  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await createTestServices(engine, { env: { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '2000', WORKER_LEASE_MS: '10000' } });
    worker = createWorker(s, { periodicTasks: false });
    tenantId = (await newTenant(s)).id;
  });
  beforeEach(() => sink.clearFaults());
  afterAll(async () => {
    await s?.dispose();
    await sink?.close();
  });

  it.each([
    { name: '421 at RCPT', fault: { at: 'rcpt', reply: 421 } as const },
    { name: '451 at the end of DATA', fault: { at: 'data', reply: 451 } as const },
  ])('$name → pending again, due later, the attempt recorded as transient; then sent', async ({ fault }) => {
    const api = await newInvitation(s, tenantId);
    sink.inject({ ...fault, recipient: api.email });
    expect(await worker.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    const row = await invitationRow(s, api.id);
    expect(row.state).toBe('pending');
    expect(row.scheduled_at.getTime()).toBeGreaterThan((await dbNow(s)).getTime());
    expect(row.last_error).toContain(String(fault.reply));
    expect(row).toMatchObject({ attempts: 1, uncertain_attempts: 0, lease_token: null });
    expect(await attemptsOf(s, api.id)).toMatchObject([{ attempt: 1, outcome: 'transient' }]);
    expect(sink.countMessageId(`<invitation-${api.id}@reviews.example.test>`)).toBe(0);

    await makeDue(s, api.id);
    expect(await worker.runOnce()).toMatchObject({ sent: 1 });
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'transient' }, { attempt: 2, outcome: 'sent' }]);
    expect(sink.countMessageId(`<invitation-${api.id}@reviews.example.test>`)).toBe(1);
    expect(await eventTypes(s, api.id)).toEqual(['created', 'retry_scheduled', 'sent']);
  });

  it.each([
    { name: '550 at RCPT', fault: { at: 'rcpt', reply: 550, message: '5.1.1 No such user' } as const, reason: 'invalid_recipient' },
    { name: '550 at the end of DATA', fault: { at: 'data', reply: 550, message: '5.7.1 Content rejected' } as const, reason: 'permanent_failure' },
  ])('$name → failed with reason $reason, never retried', async ({ fault, reason }) => {
    const api = await newInvitation(s, tenantId);
    sink.inject({ ...fault, recipient: api.email });
    expect(await worker.runOnce()).toMatchObject({ failed: 1 });
    const row = await invitationRow(s, api.id);
    expect(row).toMatchObject({ state: 'failed', reason_code: reason, lease_token: null });
    expect(row.last_error).toContain('550');
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'permanent' }]);
    expect(await eventTypes(s, api.id)).toEqual(['created', 'failed']);
  });

  it('drop after DATA → the attempt is uncertain and visible on the invitation; a second one ends it', async () => {
    const api = await newInvitation(s, tenantId);
    const messageId = `<invitation-${api.id}@reviews.example.test>`;
    sink.inject({ at: 'data', drop: true, recipient: api.email, times: 2 });
    expect(await worker.runOnce()).toMatchObject({ retried: 1, uncertain: 1 });
    let row = await invitationRow(s, api.id);
    expect(row).toMatchObject({ state: 'pending', uncertain_attempts: 1 });
    expect(row.last_error).toMatch(/may have accepted/);
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'uncertain' }]);
    // The server did get it: a retry can duplicate it, and the uncertain attempt explains why.
    expect(sink.countMessageId(messageId)).toBe(1);

    await makeDue(s, api.id);
    expect(await worker.runOnce()).toMatchObject({ failed: 1, uncertain: 1 });
    row = await invitationRow(s, api.id);
    expect(row).toMatchObject({ state: 'failed', reason_code: 'delivery_uncertain', uncertain_attempts: 2 });
    expect(sink.countMessageId(messageId)).toBe(2);
  });

  it('drop after DATA, then success: two copies at most, the extra one explained by the uncertain attempt', async () => {
    const api = await newInvitation(s, tenantId);
    sink.inject({ at: 'data', drop: true, recipient: api.email });
    await worker.runOnce();
    await makeDue(s, api.id);
    expect(await worker.runOnce()).toMatchObject({ sent: 1 });
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'sent', uncertain_attempts: 1 });
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'uncertain' }, { outcome: 'sent' }]);
    expect(sink.countMessageId(`<invitation-${api.id}@reviews.example.test>`)).toBe(2);
  });

  it('slow greeting → timeout, retried later as transient (nothing was sent), then delivered', async () => {
    const api = await newInvitation(s, tenantId);
    sink.disconnectAll(); // the pool must open a new connection, which meets the slow greeting
    await new Promise((r) => setTimeout(r, 50));
    sink.inject({ at: 'greeting', delayMs: 6000 });
    expect(await worker.runOnce()).toMatchObject({ retried: 1, uncertain: 0 });
    const row = await invitationRow(s, api.id);
    expect(row.state).toBe('pending');
    expect(row.last_error).toMatch(/ETIMEDOUT|Greeting/i);
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'transient' }]);
    await makeDue(s, api.id);
    expect(await worker.runOnce()).toMatchObject({ sent: 1 });
    expect(sink.countMessageId(`<invitation-${api.id}@reviews.example.test>`)).toBe(1);
  });

  it('exhausted attempts end as failed/attempts_exhausted', async () => {
    const api = await newInvitation(s, tenantId);
    await sql`UPDATE invitations SET attempts = ${s.config.worker.maxAttempts - 1} WHERE id = ${api.id}`.execute(s.deps.db);
    sink.inject({ at: 'rcpt', reply: 451, recipient: api.email });
    expect(await worker.runOnce()).toMatchObject({ failed: 1 });
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'failed', reason_code: 'attempts_exhausted', attempts: s.config.worker.maxAttempts });
  });
});
