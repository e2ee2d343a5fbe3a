/**
 * A campaign's destinations: where its invitations lead or go. `hosted` (our review form, the email
 * channel's), `webhook` (signed POST, needs url and a Standard Webhooks secret), `amino` (the
 * amino.reviews invitation API, needs an api_key; url defaults to amino.reviews). At most one of each.
 *
 * Secrets are write-only: a client never sees them again, so an update that leaves a secret out
 * keeps the one already stored for that destination type.
 */
import type { FieldError } from '../errors.ts';

export type Destination =
  | { type: 'hosted' }
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'amino'; url?: string; api_key: string };

const KEYS: Record<string, readonly string[]> = { hosted: ['type'], webhook: ['type', 'url', 'secret'], amino: ['type', 'url', 'api_key'] };
const MAX_DESTINATIONS = 10;

export function checkDestinations(input: unknown, stored: readonly Destination[] = []): { ok: true; value: Destination[] } | { ok: false; fields: FieldError[] } {
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_DESTINATIONS) {
    return { ok: false, fields: [{ field: 'destinations', message: `must list 1-${MAX_DESTINATIONS} destinations like {"type": "hosted"}` }] };
  }
  const fields: FieldError[] = [];
  const value: Destination[] = [];
  input.forEach((d: unknown, i) => {
    const at = `destinations.${i}`;
    const fail = (field: string, message: string) => fields.push({ field: field === '' ? at : `${at}.${field}`, message });
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return fail('', 'must be an object');
    const raw = d as Record<string, unknown>;
    const type = raw.type;
    if (typeof type !== 'string' || !Object.hasOwn(KEYS, type)) return fail('type', 'must be hosted, webhook or amino');
    for (const key of Object.keys(raw)) if (!KEYS[type]!.includes(key)) fail(key, 'is not a known field');
    if (value.some((v) => v.type === type)) return fail('type', `only one ${type} destination is allowed`);
    const before = stored.find((s) => s.type === type);
    if (type === 'hosted') return value.push({ type });
    const url = raw.url ?? undefined;
    if (url !== undefined && !isHttpUrl(url)) fail('url', 'must be an http(s) URL');
    if (type === 'webhook') {
      if (url === undefined) fail('url', 'is required');
      const secret = raw.secret ?? (before?.type === 'webhook' ? before.secret : undefined);
      if (secret === undefined) fail('secret', 'is required: a Standard Webhooks secret like whsec_<base64 of 24-64 random bytes>');
      else if (!isWebhookSecret(secret)) fail('secret', 'must be whsec_ followed by the base64 of 24-64 random bytes');
      else if (isHttpUrl(url)) value.push({ type, url, secret });
      return;
    }
    const apiKey = raw.api_key ?? (before?.type === 'amino' ? before.api_key : undefined);
    if (apiKey === undefined) fail('api_key', 'is required');
    else if (typeof apiKey !== 'string' || apiKey.length < 8 || apiKey.length > 500 || /[\s\p{Cc}]/u.test(apiKey)) fail('api_key', 'must be 8-500 characters without spaces');
    else value.push(url === undefined ? { type: 'amino', api_key: apiKey } : { type: 'amino', url: url as string, api_key: apiKey });
  });
  return fields.length > 0 ? { ok: false, fields } : { ok: true, value };
}

function isHttpUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2000 && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

function isWebhookSecret(value: unknown): value is string {
  if (typeof value !== 'string' || !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const bytes = Buffer.from(value.slice(6), 'base64').length;
  return bytes >= 24 && bytes <= 64;
}
