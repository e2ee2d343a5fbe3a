import { Writable } from 'node:stream';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/app/tenants.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { openServices, type Services } from '../../src/main.ts';
import { createTestDatabase, engines, type TestDatabase } from '../helpers/test-databases.ts';
import { testConfig } from '../helpers/test-services.ts';

type LogLine = Record<string, unknown> & { msg?: string; request?: string; level: number };

describe.each(engines)('request logging and 5xx answers on %s', (engine) => {
  let db: TestDatabase;
  let services: Services;
  let app: FastifyInstance;
  let key: string;
  const lines: string[] = [];
  const logs = () => lines.map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    services = await openServices(testConfig({ LOG_LEVEL: 'info' }), createLogger('info', sink), { database: db, migrate: false });
    app = await buildHttpApp(services);
    key = (await createTenant(services.deps, { name: 'Logged Shop' })).apiKey.key;
  });
  afterAll(async () => {
    await app?.close();
    await services?.close();
    await db?.drop();
  });

  it('never logs keys, Authorization, emails, or review and unsubscribe tokens', async () => {
    lines.length = 0;
    const email = 'jane.secret@example.com';
    const created = await app.inject({ method: 'POST', url: '/api/v1/invitations', headers: { authorization: `Bearer ${key}` }, payload: { email, name: 'Jane Secret' } });
    expect(created.statusCode).toBe(200);
    const token = (created.json().review_url as string).split('/r/')[1]!;
    await app.inject({ method: 'GET', url: `/r/${token}` });
    await app.inject({ method: 'GET', url: `/u/${token}?x=1` });
    await app.inject({ method: 'GET', url: `/api/v1/outbox?api_key=${key}&limit=5` });
    await app.inject({ method: 'GET', url: `/api/v1/invitations/stats?campaign=${encodeURIComponent(email)}`, headers: { authorization: `Bearer ${key}` } });

    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [key, key.slice(8), 'Bearer', email, 'jane.secret', token]) expect(text).not.toContain(secret);
    const urls = logs().flatMap((l) => (l.req ? [(l.req as { url: string }).url] : []));
    expect(urls).toEqual(
      expect.arrayContaining(['/r/[redacted]', '/u/[redacted]?x=1', '/api/v1/outbox?api_key=[redacted]&limit=5', '/api/v1/invitations/stats?campaign=[redacted]']),
    );
    for (const l of logs().filter((x) => x.req)) expect(l.request).toEqual(expect.any(String));
  });

  it('answers a 5xx with a generic message and logs the error under the request id', async () => {
    lines.length = 0;
    await sql`ALTER TABLE outbox RENAME TO outbox_moved`.execute(services.deps.db);
    try {
      const res = await app.inject({ method: 'GET', url: '/api/v1/outbox', headers: { authorization: `Bearer ${key}`, 'x-request-id': 'trace-500' } });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ ok: false, error: { code: 'internal', message: 'Internal error (request trace-500)' } });
      expect(res.body).not.toMatch(/outbox|relation|select/i);
      const failure = logs().find((l) => l.msg === 'request failed');
      expect(failure).toMatchObject({ level: 50, request: 'trace-500', err: { message: expect.stringMatching(/outbox/) } });
    } finally {
      await sql`ALTER TABLE outbox_moved RENAME TO outbox`.execute(services.deps.db);
    }
    expect((await app.inject({ method: 'GET', url: '/api/v1/outbox', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
  });
});
