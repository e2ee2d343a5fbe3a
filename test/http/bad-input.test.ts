import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { countInvitations, createHttpFixture, type HttpFixture } from './http-fixture.ts';

type Case = {
  name: string;
  payload: string | Buffer;
  contentType?: string | undefined;
  status: number;
  code: string;
  fields?: string[];
};

const json = (v: unknown) => JSON.stringify(v);
const valid = { email: 'jane@example.com', name: 'Jane Doe' };

const cases: Case[] = [
  { name: 'a body that is not JSON', payload: '{"email": "jane@example.com", "name": ', status: 400, code: 'invalid_json' },
  { name: 'an empty JSON body', payload: '', status: 400, code: 'invalid_json' },
  { name: 'a text/plain body', payload: json(valid), contentType: 'text/plain', status: 415, code: 'unsupported_media_type' },
  { name: 'a form-encoded body', payload: 'email=jane%40example.com&name=Jane', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported_media_type' },
  { name: 'a body over 100 kB', payload: json({ ...valid, order_ref: 'x'.repeat(101 * 1024) }), status: 413, code: 'payload_too_large' },
  { name: 'an email that is not an address', payload: json({ ...valid, email: 'jane.example.com' }), status: 400, code: 'validation_failed', fields: ['email'] },
  { name: 'an email with header injection', payload: json({ ...valid, email: 'a@b.com\r\nBcc: x@y.com' }), status: 400, code: 'validation_failed', fields: ['email'] },
  { name: 'an email with a display name', payload: json({ ...valid, email: 'Jane <jane@example.com>' }), status: 400, code: 'validation_failed', fields: ['email'] },
  { name: 'a name with CR/LF', payload: json({ ...valid, name: 'Jane\r\nSubject: win' }), status: 400, code: 'validation_failed', fields: ['name'] },
  { name: 'a name over 200 characters', payload: json({ ...valid, name: 'J'.repeat(201) }), status: 400, code: 'validation_failed', fields: ['name'] },
  { name: 'send_at that is not an ISO time', payload: json({ ...valid, send_at: 'next tuesday' }), status: 400, code: 'validation_failed', fields: ['send_at'] },
  { name: 'send_at without a time zone', payload: json({ ...valid, send_at: '2026-12-01T09:00:00' }), status: 400, code: 'validation_failed', fields: ['send_at'] },
  { name: 'send_at on a day that does not exist', payload: json({ ...valid, send_at: '2026-02-30T09:00:00Z' }), status: 400, code: 'validation_failed', fields: ['send_at'] },
  { name: 'send_at in the year 0', payload: json({ ...valid, send_at: '0000-01-01T00:00:00Z' }), status: 400, code: 'validation_failed', fields: ['send_at'] },
  { name: 'an email with a lone surrogate', payload: '{"email":"a\\ud800@b.com","name":"Jane"}', status: 400, code: 'validation_failed', fields: ['email'] },
  { name: 'a name and order_ref with lone surrogates', payload: '{"email":"jane@example.com","name":"a\\udc00b","order_ref":"x\\ud83d"}', status: 400, code: 'validation_failed', fields: ['name', 'order_ref'] },
  { name: 'a top-level array', payload: json([valid]), status: 400, code: 'validation_failed', fields: ['body'] },
  { name: 'a top-level null', payload: 'null', status: 400, code: 'validation_failed', fields: ['body'] },
  { name: 'a top-level string', payload: json('jane@example.com'), status: 400, code: 'validation_failed', fields: ['body'] },
  { name: 'numbers where strings are expected', payload: json({ email: 5, name: 6, locale: 7 }), status: 400, code: 'validation_failed', fields: ['email', 'locale', 'name'] },
  { name: 'an object where a string is expected', payload: json({ ...valid, name: { first: 'Jane' } }), status: 400, code: 'validation_failed', fields: ['name'] },
  { name: 'unknown fields', payload: json({ ...valid, vendor_id: 3, 'phone number': '1' }), status: 400, code: 'validation_failed', fields: ['phone number', 'vendor_id'] },
  { name: 'a __proto__ key', payload: '{"email":"jane@example.com","name":"Jane","__proto__":{"admin":true}}', status: 400, code: 'invalid_json' },
  { name: 'a constructor.prototype key', payload: '{"email":"jane@example.com","name":"Jane","constructor":{"prototype":{"admin":true}}}', status: 400, code: 'invalid_json' },
];

describe.each(engines)('bad input to POST /api/v1/invitations on %s', (engine) => {
  let f: HttpFixture;
  beforeAll(async () => {
    f = await createHttpFixture(engine);
  });
  afterAll(async () => f?.close());

  it.each(cases)('$name → $status $code', async (c) => {
    const res = await f.api({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: { 'content-type': c.contentType ?? 'application/json' },
      payload: c.payload,
    });
    expect(res.statusCode).toBe(c.status);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe(c.code);
    expect(body.error.message).toEqual(expect.any(String));
    if (c.fields) expect(body.error.fields.map((x: { field: string }) => x.field).sort()).toEqual(c.fields);
  });

  it('a request without Content-Type and body is a 400 naming the body', async () => {
    const res = await f.api({ method: 'POST', url: '/api/v1/invitations' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
  });

  it('the orders API refuses a lone surrogate too, naming the nested field', async () => {
    const res = await f.api({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"order_ref":"o1","status":"completed","customer":{"email":"a\\ud800@b.com"}}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ field: 'customer.email', message: expect.stringContaining('unpaired UTF-16 surrogate') }]);
  });

  it('stored nothing for any of them', async () => {
    expect(await countInvitations(f.s, f.tenantId)).toBe(0);
    // The fixture's key and route still work: the failures above were the inputs, not the setup.
    const ok = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: valid });
    expect(ok.statusCode).toBe(200);
  });

  it('takes escaped surrogate pairs and 200 emoji as a name: characters are code points', async () => {
    const paired = await f.api({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":"pair@example.com","name":"Jane \\ud83d\\ude00","order_ref":"pair"}',
    });
    expect(paired.statusCode).toBe(200);
    expect(paired.json().invitation.name).toBe('Jane 😀');
    const emoji = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: { email: 'emoji@example.com', name: '😀'.repeat(200), order_ref: 'emoji' } });
    expect(emoji.statusCode).toBe(200);
    const tooMany = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: { email: 'emoji@example.com', name: '😀'.repeat(201), order_ref: 'emoji2' } });
    expect(tooMany.statusCode).toBe(400);
  });
});
