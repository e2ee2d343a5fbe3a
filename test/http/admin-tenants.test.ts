import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/http/app.ts';
import { engines } from '../helpers/test-databases.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from './http-fixture.ts';

describe.each(engines)('/admin/v1/tenants on %s', (engine) => {
  let f: HttpFixture;
  beforeAll(async () => {
    f = await createHttpFixture(engine);
  });
  afterAll(async () => f?.close());

  const admin = (method: 'GET' | 'POST', payload?: Record<string, unknown>, token = TEST_ADMIN_TOKEN) =>
    f.app.inject({ method, url: '/admin/v1/tenants', headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }) });

  it('201 creates a tenant whose key works at once and is shown only once', async () => {
    const res = await admin('POST', { name: 'Café Zürich', timezone: 'Europe/Zurich', invitations_per_hour: 250 });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      ok: true,
      tenant: { slug: 'cafe-zurich', name: 'Café Zürich', timezone: 'Europe/Zurich', invitations_per_hour: 250 },
      api_key: { name: 'default', key: expect.stringMatching(/^ri_live_[0-9A-Za-z]{43}$/) },
    });
    expect(body.api_key.key.startsWith(body.api_key.prefix)).toBe(true);

    const invite = await f.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: { authorization: `Bearer ${body.api_key.key}` },
      payload: { email: 'jane@example.com', name: 'Jane' },
    });
    expect(invite.statusCode).toBe(200);

    const list = await admin('GET');
    expect(list.statusCode).toBe(200);
    expect(list.json().tenants).toEqual(expect.arrayContaining([expect.objectContaining({ id: body.tenant.id, slug: 'cafe-zurich' })]));
    expect(list.body).not.toContain(body.api_key.key);
    expect(list.body).not.toContain('ri_live_');
  });

  it('400 names invalid fields; 409 for a taken slug', async () => {
    const bad = await admin('POST', { name: 5, invitations_per_hour: 0, owner: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields.map((x: { field: string }) => x.field).sort()).toEqual(['invitations_per_hour', 'name', 'owner']);
    const tz = await admin('POST', { name: 'Shop', timezone: 'Mars/Olympus' });
    expect(tz.statusCode).toBe(400);
    expect(tz.json().error.fields).toEqual([{ field: 'timezone', message: expect.any(String) }]);
    expect((await admin('POST', { name: 'Taken', slug: 'taken' })).statusCode).toBe(201);
    const taken = await admin('POST', { name: 'Taken again', slug: 'taken' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('conflict');
  });

  it('401 without the operator token, with a tenant key, or with a wrong one', async () => {
    for (const headers of [{}, { authorization: `Bearer ${f.key}` }, { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` }, { authorization: `Bearer ${TEST_ADMIN_TOKEN} ` }, { authorization: TEST_ADMIN_TOKEN }]) {
      const res = await f.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers, payload: { name: 'Sneaky' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    const names = (await admin('GET')).json().tenants.map((t: { name: string }) => t.name);
    expect(names).not.toContain('Sneaky');
  });

  it('403 with a clear message when ADMIN_TOKEN is not configured', async () => {
    const app = await buildHttpApp({ ...f.s, config: { ...f.s.config, adminToken: undefined } });
    try {
      for (const token of ['', TEST_ADMIN_TOKEN]) {
        const res = await app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(403);
        expect(res.json().error).toEqual({ code: 'forbidden', message: expect.stringContaining('ADMIN_TOKEN') });
      }
    } finally {
      await app.close();
    }
  });
});
