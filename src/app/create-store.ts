/**
 * A new store of the tenant. A store on a webhook platform gets a fresh signing secret, answered
 * here once together with the URL to paste into the shop's webhook settings; it is kept (the HMAC of
 * every delivery needs it) but never shown again.
 */
import { randomBytes } from 'node:crypto';
import { checkLocale } from '../domain/locale.ts';
import { isTimeZone } from '../domain/wall-clock.ts';
import { AppError, validationError, type FieldError } from '../errors.ts';
import { STORE_CODE } from './check-order-input.ts';
import type { AppDeps } from './ports.ts';
import { storePlatforms, storeView, storeWebhookUrl, type StoreView } from './store-view.ts';

export type NewStore = { code?: unknown; name?: unknown; platform?: unknown; timezone?: unknown; locale?: unknown };

export type CreatedStore = { store: StoreView; webhook: { url: string; secret: string } | null };

export async function createStore(deps: Pick<AppDeps, 'db' | 'clock' | 'publicUrl'>, tenantId: number, input: NewStore): Promise<CreatedStore> {
  const fields: FieldError[] = [];
  const code = input.code;
  if (typeof code !== 'string' || !STORE_CODE.test(code)) fields.push({ field: 'code', message: 'must be 1-64 letters, digits, ".", "_" or "-"' });
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 200 || /\p{Cc}/u.test(name)) fields.push({ field: 'name', message: 'must be 1-200 characters without control characters' });
  const platform = input.platform ?? 'custom';
  if (typeof platform !== 'string' || !(storePlatforms as readonly string[]).includes(platform)) fields.push({ field: 'platform', message: `must be one of ${storePlatforms.join(', ')}` });
  const timezone = input.timezone ?? null;
  if (timezone !== null && !isTimeZone(timezone)) fields.push({ field: 'timezone', message: 'must be an IANA time zone like Europe/Berlin' });
  let locale: string | null = null;
  if (input.locale !== undefined && input.locale !== null) {
    const l = checkLocale(input.locale);
    if (l.ok) locale = l.locale;
    else fields.push({ field: 'locale', message: l.message });
  }
  if (fields.length > 0) throw validationError(fields);

  const secret = storeWebhookUrl('', { id: 0, platform: platform as string }) === null ? null : randomBytes(32).toString('base64url');
  const row = await deps.db
    .insertInto('stores')
    .values({ tenant_id: tenantId, code: code as string, name, platform: platform as string, timezone: timezone as string | null, locale, webhook_secret: secret, created_at: deps.clock.now() })
    .onConflict((oc) => oc.columns(['tenant_id', 'code']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', `A store with code "${code as string}" already exists`, { fields: [{ field: 'code', message: 'is taken' }] });
  const url = storeWebhookUrl(deps.publicUrl, row);
  return { store: storeView(deps.publicUrl, row), webhook: url === null || secret === null ? null : { url, secret } };
}
