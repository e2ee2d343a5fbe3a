/**
 * The funnel end to end, over real HTTP and real SMTP: invitations created through the API, delivered
 * by the worker to an SMTP server, the link taken from the received email, opened and answered in a
 * browser's way (GET, then a form POST) — and GET /api/v1/invitations/stats following every step:
 * sent → opened → completed, and sent → expired when the link's window passes.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/http/app.ts';
import { expireInvitations } from '../../src/app/expire-invitations.ts';
import { createWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';
import { newTenant } from '../worker/queue-fixtures.ts';
import { createApiKey } from '../../src/app/api-keys.ts';

const DAY_MS = 86_400_000;

describe.each(engines)('the funnel over HTTP and SMTP on %s', (engine) => {
  const clock = createTestClock();
  let s: TestServices;
  let sink: SmtpSink;
  let app: FastifyInstance;
  let base: string;
  let key: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await createTestServices(engine, { clock, env: { SMTP_URL: sink.url, PUBLIC_URL: 'http://127.0.0.1:0' } });
    app = await buildHttpApp(s);
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const tenant = await newTenant(s);
    key = (await createApiKey(s.deps, tenant.id, 'funnel')).key;
  });
  afterAll(async () => {
    await app?.close();
    await s?.dispose();
    await sink?.close();
  });

  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const stats = async () => (await api('/api/v1/invitations/stats')).body.stats as Record<string, number>;
  /** The review link as the customer has it: from the email the SMTP server received. */
  const linkInEmailTo = (address: string) => {
    const mail = sink.messages.find((m) => m.parsed.to && JSON.stringify(m.parsed.to).includes(address));
    const link = /https?:\/\/\S+\/r\/[A-Za-z0-9_-]+/.exec(mail?.parsed.text ?? '')?.[0];
    if (!link) throw new Error(`no review link in an email to ${address}`);
    return new URL(link).pathname;
  };

  it('moves through sent → opened → completed, and sent → expired', async () => {
    for (const [email, ref] of [['ann@example.com', 'F-1'], ['bob@example.com', 'F-2']] as const) {
      const created = await api('/api/v1/invitations', { email, name: email.split('@')[0], order_ref: ref });
      expect(created.status).toBe(200);
    }
    expect(await stats()).toEqual({ sent: 0, opened: 0, completed: 0, expired: 0 });

    await createWorker(s, { periodicTasks: false }).runOnce();
    await sink.waitForMessages(2);
    expect(await stats()).toEqual({ sent: 2, opened: 0, completed: 0, expired: 0 });

    const annLink = linkInEmailTo('ann@example.com');
    expect((await fetch(`${base}${annLink}`, { method: 'HEAD' })).status).toBe(200);
    expect(await stats()).toMatchObject({ opened: 0 }); // a HEAD (a link scanner) is no open
    const page = await fetch(`${base}${annLink}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="rating"');
    expect(await stats()).toEqual({ sent: 2, opened: 1, completed: 0, expired: 0 });

    const posted = await fetch(`${base}${annLink}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'rating=5&title=Lovely&text=Arrived+early',
      redirect: 'manual',
    });
    expect([200, 303]).toContain(posted.status);
    expect(await stats()).toEqual({ sent: 2, opened: 1, completed: 1, expired: 0 });

    // Bob never answers; 31 days later his link's 30-day window has passed.
    clock.advance(31 * DAY_MS);
    expect((await expireInvitations(s.deps)).expired).toBe(1);
    expect(await stats()).toEqual({ sent: 2, opened: 1, completed: 1, expired: 1 });
    const bobLink = linkInEmailTo('bob@example.com');
    expect((await fetch(`${base}${bobLink}`)).status).toBe(410);
    expect(await stats()).toEqual({ sent: 2, opened: 1, completed: 1, expired: 1 });
  });
});
