import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/app/api-keys.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { engines } from '../helpers/test-databases.ts';
import { countInvitations, createHttpFixture, type HttpFixture } from './http-fixture.ts';

const payload = { email: 'jane@example.com', name: 'Jane Doe' };

/**
 * One raw HTTP/1.1 exchange, so the request carries exactly the header lines written here. The socket
 * stays open for writing until the server answers: a half-closed client may be dropped unanswered.
 */
function rawRequest(port: number, head: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`));
    let out = '';
    socket.on('data', (d) => (out += d.toString('utf8')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

describe.each(engines)('API key authentication on %s', (engine) => {
  let f: HttpFixture;
  beforeAll(async () => {
    f = await createHttpFixture(engine);
  });
  afterAll(async () => f?.close());

  const post = (headers: Record<string, string | string[]>, url = '/api/v1/invitations') =>
    f.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload });

  it('accepts the key with the Bearer scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await post({ authorization: `${scheme} ${f.key}` });
      expect(res.statusCode).toBe(200);
    }
  });

  const refused: Array<[string, (key: string) => Record<string, string | string[]>]> = [
    ['no Authorization header', () => ({})],
    ['an empty Authorization header', () => ({ authorization: '' })],
    ['the key without a scheme', (key) => ({ authorization: key })],
    ['another scheme', (key) => ({ authorization: `Basic ${key}` })],
    ['Bearer without a key', () => ({ authorization: 'Bearer ' })],
    ['a malformed key', () => ({ authorization: 'Bearer not-a-key' })],
    ['an unknown key of the right shape', () => ({ authorization: `Bearer ri_live_${'A'.repeat(43)}` })],
    ['the key with a trailing space', (key) => ({ authorization: `Bearer ${key} ` })],
    ['the key with a trailing tab', (key) => ({ authorization: `Bearer ${key}\t` })],
    ['the key followed by a second token', (key) => ({ authorization: `Bearer ${key} ${key}` })],
    ['two Authorization headers, both valid', (key) => ({ authorization: [`Bearer ${key}`, `Bearer ${key}`] })],
    ['two Authorization headers, an invalid one first', (key) => ({ authorization: ['Bearer nope', `Bearer ${key}`] })],
    ['the key in another header', (key) => ({ 'x-api-key': key })],
  ];

  it.each(refused)('401 for %s', async (_name, headers) => {
    const res = await post(headers(f.key));
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('401 for the key in the query string', async () => {
    for (const param of ['api_key', 'key', 'access_token', 'token']) {
      const res = await f.app.inject({ method: 'GET', url: `/api/v1/invitations/stats?${param}=${f.key}` });
      expect(res.statusCode).toBe(401);
    }
  });

  it('401 once the key is revoked; the tenant\'s other keys keep working', async () => {
    const t = await f.newTenant('Revoking Shop');
    const second = await createApiKey(f.s.deps, t.tenantId, 'second');
    expect((await post({ authorization: `Bearer ${t.key}` })).statusCode).toBe(200);
    const keys = await f.s.deps.db.selectFrom('api_keys').select('id').where('tenant_id', '=', t.tenantId).where('name', '=', 'default').executeTakeFirstOrThrow();
    await revokeApiKey(f.s.deps, t.tenantId, keys.id);
    expect((await post({ authorization: `Bearer ${t.key}` })).statusCode).toBe(401);
    expect((await post({ authorization: `Bearer ${second.key}` })).statusCode).toBe(200);
  });

  it('requests arriving together are looked up together, each with its own answer', async () => {
    const [a, b] = [await f.newTenant('Batch Shop A'), await f.newTenant('Batch Shop B')];
    const revoked = await createApiKey(f.s.deps, a.tenantId, 'revoked');
    await revokeApiKey(f.s.deps, a.tenantId, revoked.id);
    const unknown = `ri_live_${'B'.repeat(43)}`;
    const keys = Array.from({ length: 30 }, (_, i) => [a.key, b.key, revoked.key, unknown, 'not-a-key'][i % 5]!);
    const answers = await Promise.all(
      keys.map((key) => f.app.inject({ method: 'GET', url: '/api/v1/invitations/stats', headers: { authorization: `Bearer ${key}` } })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(keys.map((_, i) => [200, 200, 401, 401, 401][i % 5]));
    // Each request sees its own tenant, not another key's of the same lookup.
    await f.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' }, payload });
    const lists = await Promise.all(
      [a.key, b.key, a.key, b.key].map((key) => f.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: { authorization: `Bearer ${key}` } })),
    );
    expect(lists.map((r) => (r.json() as { invitations: unknown[] }).invitations.length)).toEqual([1, 0, 1, 0]);
  });

  it('checks the key before the body: no key and a bad body is still 401', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expect(res.statusCode).toBe(401);
  });

  it('guards every /api/v1 route', async () => {
    for (const url of ['/api/v1/invitations/stats', '/api/v1/invitations/1', '/api/v1/outbox']) {
      expect((await f.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
  });

  it('over a real socket: two Authorization headers are refused, one is accepted', async () => {
    const before = await countInvitations(f.s, f.tenantId);
    const app = await buildHttpApp(f.s);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as net.AddressInfo).port;
      const head = 'POST /api/v1/invitations HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json';
      const body = JSON.stringify({ ...payload, order_ref: 'SOCKET-1' });
      const twice = await rawRequest(port, `${head}\r\nauthorization: Bearer ${f.key}\r\nAuthorization: Bearer ${f.key}`, body);
      expect(twice).toMatch(/^HTTP\/1\.1 401 /);
      const once = await rawRequest(port, `${head}\r\nauthorization: Bearer ${f.key}`, body);
      expect(once).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await app.close();
    }
    expect(await countInvitations(f.s, f.tenantId)).toBe(before + 1);
  });
});
