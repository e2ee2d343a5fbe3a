import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DeliveryError, type DeliveryRequest } from '../../src/app/ports.ts';
import { createWebhookChannel } from '../../src/channels/webhook/create-webhook-channel.ts';
import { createLogger } from '../../src/logger.ts';
import type { Invitation } from '../../src/db/schema.ts';
import { startHttpFaultServer, type HttpFaultServer } from '../helpers/http-fault-server.ts';
import { testConfig } from '../helpers/test-services.ts';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const logger = createLogger('silent');

function request(url: string): DeliveryRequest {
  const now = new Date('2026-11-23T10:00:00Z');
  const invitation = {
    id: 42, tenant_id: 1, campaign_id: 1, order_id: null, order_ref: '1001', store_id: null, email: 'jane@example.com',
    email_norm: 'jane@example.com', first_name: 'Jane', last_name: 'Doe', name: 'Jane Doe', locale: 'en', channel: 'webhook',
    destination: 'webhook', state: 'sending', reason_code: null, source: 'api', scheduled_at: now, sent_at: null, attempts: 1,
    uncertain_attempts: 0, lease_token: '00000000-0000-4000-8000-000000000000', leased_until: now, last_error: null, provider_ref: null,
    token_hash: Buffer.alloc(32), opened_at: null, completed_at: null, expires_at: null, expired_at: null, created_at: now, updated_at: now,
  } satisfies Invitation;
  return {
    invitation,
    tenant: { id: 1, slug: 'shop', name: 'Shop' },
    campaign: { id: 1, slug: 'default', name: 'Default', template: {}, expiryDays: 30 },
    reviewUrl: 'https://reviews.example.test/r/abc',
    unsubscribeUrl: 'https://reviews.example.test/u/abc',
    destination: { type: 'webhook', url, secret },
  };
}

async function deliver(channelUrl: string, env: Record<string, string> = {}) {
  const config = testConfig({ ALLOW_PRIVATE_WEBHOOKS: 'true', HTTP_TIMEOUT_MS: '300', ...env });
  const channel = createWebhookChannel({ config, logger, db: undefined as never });
  return channel.deliver(request(channelUrl), { logger, signal: new AbortController().signal, attempt: 1 });
}

async function failure(channelUrl: string, env: Record<string, string> = {}): Promise<DeliveryError> {
  const err = await deliver(channelUrl, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('webhook channel against a scriptable HTTP endpoint', () => {
  let server: HttpFaultServer;
  beforeAll(async () => {
    server = await startHttpFaultServer();
  });
  afterAll(async () => server.close());

  it('signs per Standard Webhooks: the reference verifier accepts it', async () => {
    server.script({ kind: 'respond', status: 204 });
    const receipt = await deliver(`${server.url}/hook`);
    expect(receipt.providerRef).toBe('inv_42');
    const req = server.requests.at(-1)!;
    const payload = new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as { data: Record<string, unknown> };
    expect(payload.data).toMatchObject({ invitation_id: 42, order_ref: '1001', review_url: 'https://reviews.example.test/r/abc' });
    expect(req.headers['webhook-id']).toBe('inv_42');
  });

  it('429 with Retry-After in seconds and as an HTTP-date is transient and carries the wait', async () => {
    server.script({ kind: 'respond', status: 429, headers: { 'retry-after': '120' } });
    expect(await failure(server.url)).toMatchObject({ kind: 'transient', retryAfterMs: 120_000 });
    const later = new Date(Date.now() + 3_600_000).toUTCString();
    server.script({ kind: 'respond', status: 429, headers: { 'retry-after': later } });
    const err = await failure(server.url);
    expect(err.kind).toBe('transient');
    expect(err.retryAfterMs).toBeGreaterThan(3_500_000);
  });

  it('500 and 503 are transient; 400, 410 and a redirect are permanent and not followed', async () => {
    for (const status of [500, 503]) {
      server.script({ kind: 'respond', status });
      expect((await failure(server.url)).kind).toBe('transient');
    }
    for (const status of [400, 410]) {
      server.script({ kind: 'respond', status, body: '{"error":"nope"}' });
      expect((await failure(server.url)).kind).toBe('permanent');
    }
    const before = server.requests.length;
    server.script({ kind: 'respond', status: 302, headers: { location: `${server.url}/elsewhere` } });
    expect((await failure(server.url)).kind).toBe('permanent');
    expect(server.requests.length).toBe(before + 1);
  });

  it('a hang past the timeout is retried (the endpoint deduplicates on webhook-id)', async () => {
    server.script({ kind: 'hang' });
    const err = await failure(server.url);
    expect(err.kind).toBe('transient');
    expect(err.message).toMatch(/ETIMEDOUT/);
  });

  it('a reset in the middle of the body keeps the status the endpoint sent', async () => {
    server.script({ kind: 'reset-mid-body', status: 503 });
    expect((await failure(server.url)).kind).toBe('transient');
    server.script({ kind: 'reset-mid-body', status: 200 });
    await expect(deliver(server.url)).resolves.toMatchObject({ providerRef: 'inv_42' });
  });

  it('refuses loopback and metadata addresses unless private webhooks are allowed', async () => {
    const before = server.requests.length;
    expect((await failure(server.url, { ALLOW_PRIVATE_WEBHOOKS: 'false' })).kind).toBe('permanent');
    expect((await failure('http://169.254.169.254/latest/meta-data', { ALLOW_PRIVATE_WEBHOOKS: 'false' })).kind).toBe('permanent');
    expect((await failure('http://[::ffff:127.0.0.1]:1/', { ALLOW_PRIVATE_WEBHOOKS: 'false' })).kind).toBe('permanent');
    expect((await failure('http://localhost:1/', { ALLOW_PRIVATE_WEBHOOKS: 'false' })).message).toMatch(/non-public/);
    expect(server.requests.length).toBe(before);
  });
});
