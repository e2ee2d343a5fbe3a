/**
 * Standard Webhooks v1 signatures: HMAC-SHA256 over `${id}.${timestamp}.${body}` with the endpoint's
 * `whsec_` secret (base64 after the prefix), sent as `webhook-signature: v1,<base64>`.
 */
import { createHmac } from 'node:crypto';

export function webhookSecretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', webhookSecretBytes(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}
