import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvitation } from '../../src/app/create-invitation.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { AppError } from '../../src/errors.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';

describe.each(engines)('createInvitation on %s', (engine) => {
  let s: TestServices;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));
  beforeAll(async () => {
    s = await createTestServices(engine, { clock });
  });
  afterAll(async () => s?.dispose());

  it('creates once per order_ref and returns the same review link', async () => {
    const { tenant } = await createTenant(s.deps, { name: 'Shop A' });
    const a = await createInvitation(s.deps, tenant.id, { email: 'Jane@Example.com', name: 'Jane Doe', order_ref: 'A-1' });
    const b = await createInvitation(s.deps, tenant.id, { email: 'jane@example.com', name: 'Jane Doe', order_ref: 'A-1' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.invitation.id).toBe(a.invitation.id);
    expect(b.invitation.review_url).toBe(a.invitation.review_url);
    expect(a.invitation.review_url).toMatch(/^https:\/\/reviews\.example\.test\/r\/[A-Za-z0-9_-]{43}$/);
  });

  it('enforces the rolling hour limit without counting duplicates', async () => {
    const { tenant } = await createTenant(s.deps, { name: 'Shop B', invitationsPerHour: 3 });
    for (let i = 0; i < 3; i++) await createInvitation(s.deps, tenant.id, { email: `c${i}@example.com`, name: 'C', order_ref: `B-${i}` });
    // a duplicate still answers while the budget is spent
    await expect(createInvitation(s.deps, tenant.id, { email: 'c0@example.com', name: 'C', order_ref: 'B-0' })).resolves.toMatchObject({ created: false });
    const err = await createInvitation(s.deps, tenant.id, { email: 'x@example.com', name: 'X', order_ref: 'B-9' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(429);
    expect((err as AppError).retryAfterSeconds).toBeGreaterThan(3500);
    clock.advance(60 * 60 * 1000 + 1000);
    await expect(createInvitation(s.deps, tenant.id, { email: 'x@example.com', name: 'X', order_ref: 'B-9' })).resolves.toMatchObject({ created: true });
  });

  it('names every invalid field', async () => {
    const { tenant } = await createTenant(s.deps, { name: 'Shop C' });
    const err = (await createInvitation(s.deps, tenant.id, { email: 'a@b.com\r\nBcc: x@y.com', name: 'Bob\r\nSubject: x', send_at: 'tomorrow' }).catch((e: unknown) => e)) as AppError;
    expect(err.status).toBe(400);
    expect(err.fields?.map((f) => f.field).sort()).toEqual(['email', 'name', 'send_at']);
  });
});
