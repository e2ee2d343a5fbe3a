/**
 * Worker logs carry ids, never personal data (issue 3, observability; CONVENTIONS 8): a worker logging
 * at debug delivers through a real SMTP server that accepts, defers (451), rejects with a reply that
 * echoes the address (550 — real servers do), and drops the connection after DATA; then every line it
 * wrote is searched for the customers' addresses (whole or local part) and their review and
 * unsubscribe tokens.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { openServices, type Services } from '../../src/main.ts';
import { createWorker } from '../../src/worker/worker.ts';
import { until } from '../helpers/queue-progress.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createTestDatabase, engines, type TestDatabase } from '../helpers/test-databases.ts';
import { testConfig } from '../helpers/test-services.ts';
import { invitationRow, makeDue, newInvitation, newTenant } from './queue-fixtures.ts';

type LogLine = Record<string, unknown> & { msg: string; invitation?: number };

describe.each(engines)('worker logs on %s', (engine) => {
  let db: TestDatabase;
  let services: Services;
  let sink: SmtpSink;
  const lines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    sink = await startSmtpSink();
    const capture = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const config = testConfig({ LOG_LEVEL: 'debug', SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '2000', WORKER_LEASE_MS: '10000', WORKER_PERIODIC_MS: '200' });
    services = await openServices(config, createLogger('debug', capture), { database: db, migrate: false, defaultMetrics: false });
  });
  afterAll(async () => {
    await services?.close();
    await db?.drop();
    await sink?.close();
  });

  it('contain no email address, review token or unsubscribe token — through sent, transient, permanent and uncertain attempts', async () => {
    const tenant = await newTenant(services);
    const customer = (local: string) => newInvitation(services, tenant.id, { email: `${local}@customer-mail.example`, name: 'Jane Private' });
    const sent = await customer('jane.accepted');
    const deferred = await customer('max.deferred');
    const rejected = await customer('bob.rejected');
    const dropped = await customer('eve.dropped');
    sink.inject({ at: 'data', reply: 451, message: `4.2.0 <${deferred.email}>: mailbox busy, try later`, recipient: deferred.email });
    sink.inject({ at: 'rcpt', reply: 550, message: `5.1.1 <${rejected.email}>: Recipient address rejected: User unknown`, recipient: rejected.email });
    sink.inject({ at: 'data', drop: true, recipient: dropped.email });

    const worker = createWorker(services);
    worker.start();
    const state = async (id: number) => (await invitationRow(services, id)).state;
    const settled = async () => (await state(sent.id)) === 'sent' && (await state(rejected.id)) === 'failed' && (await invitationRow(services, deferred.id)).attempts === 1 && (await invitationRow(services, dropped.id)).uncertain_attempts === 1;
    await until(settled, 'the first attempts to settle', 30_000);
    // The retries, made due now: the deferred one goes out, the dropped one is sent a second time.
    await makeDue(services, deferred.id);
    await makeDue(services, dropped.id);
    await until(async () => (await state(deferred.id)) === 'sent' && (await state(dropped.id)) === 'sent', 'the retries to be sent', 30_000);
    await worker.stop({ graceMs: 1000 });

    // The test could pass on silence: prove the worker did log each of these attempts, by id.
    const logs = lines.map((l) => JSON.parse(l) as LogLine);
    const failedAttempts = logs.filter((l) => l.msg === 'delivery attempt failed');
    expect(failedAttempts.map((l) => [l.invitation, l.kind]).sort()).toEqual(
      [
        [deferred.id, 'transient'],
        [rejected.id, 'permanent'],
        [dropped.id, 'uncertain'],
      ].sort(),
    );
    expect(logs.filter((l) => l.msg === 'invitation sent').map((l) => l.invitation).sort()).toEqual([sent.id, deferred.id, dropped.id].sort());
    // The provider's reply is kept, its address masked.
    expect(failedAttempts.find((l) => l.invitation === rejected.id)?.error).toMatch(/b\*\*\*@customer-mail\.example/);
    expect(logs.some((l) => l.msg === 'worker started') && logs.some((l) => l.msg === 'worker stopped')).toBe(true);

    const text = lines.join('\n');
    const all = [sent, deferred, rejected, dropped];
    // What a full address looks like in any form (the only ones expected are our own Message-IDs and masked ones).
    const addresses = [...text.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g)].map((m) => m[0]).filter((a) => !/^invitation-\d+@reviews\.example\.test$/.test(a));
    expect(addresses.filter((a) => !a.includes('***@'))).toEqual([]);
    for (const inv of all) {
      const reviewToken = services.deps.links.reviewToken({ tenantId: tenant.id, campaignId: inv.campaign_id, orderRef: inv.order_ref });
      const unsubscribeToken = services.deps.links.unsubscribeToken(inv.id);
      expect(inv.review_url).toContain(reviewToken); // the token computed is the one the customer got
      for (const secret of [inv.email, inv.email.split('@')[0]!, reviewToken, unsubscribeToken, unsubscribeToken.split('.')[1]!, 'Jane Private']) {
        expect(text, `log mentions ${secret}`).not.toContain(secret);
      }
    }
    // The messages did carry them: the search looked for the right strings.
    expect(sink.messages.some((m) => `${m.parsed.text}${m.parsed.html}`.includes(services.deps.links.unsubscribeToken(sent.id)))).toBe(true);
  });
});
