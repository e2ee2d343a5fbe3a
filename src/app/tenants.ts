/**
 * Tenants: one business each. Creating one also creates its default campaign (email, hosted review
 * form, 30-day link expiry) and its first API key, in one transaction.
 */
import { sql, type Kysely } from 'kysely';
import { AppError, notFound } from '../errors.ts';
import type { Database, Tenant } from '../db/schema.ts';
import { createApiKey, type CreatedApiKey } from './api-keys.ts';
import type { AppDeps } from './ports.ts';

export type NewTenant = { name: string; slug?: string | undefined; timezone?: string | undefined; invitationsPerHour?: number | undefined };

export type CreatedTenant = { tenant: TenantView; apiKey: CreatedApiKey };

export type TenantView = { id: number; slug: string; name: string; timezone: string; invitationsPerHour: number; createdAt: Date };

export function tenantView(t: Tenant): TenantView {
  return { id: t.id, slug: t.slug, name: t.name, timezone: t.timezone, invitationsPerHour: t.invitations_per_hour, createdAt: t.created_at };
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'tenant';
}

export const DEFAULT_CAMPAIGN = {
  slug: 'default',
  name: 'Default',
  trigger_statuses: ['completed'],
  delay_days: 7,
  channel: 'email',
  destinations: JSON.stringify([{ type: 'hosted' }]),
  expiry_days: 30,
};

export async function createTenant(deps: Pick<AppDeps, 'db'>, input: NewTenant): Promise<CreatedTenant> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200 || /\p{Cc}/u.test(name)) {
    throw new AppError('validation_failed', 'name must be 1-200 characters without control characters', {
      fields: [{ field: 'name', message: 'must be 1-200 characters without control characters' }],
    });
  }
  if (input.slug !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(input.slug)) {
    throw new AppError('validation_failed', 'slug must be lowercase letters, digits and dashes', {
      fields: [{ field: 'slug', message: 'must be 1-40 lowercase letters, digits and dashes' }],
    });
  }
  const timezone = input.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) {
    throw new AppError('validation_failed', 'timezone is not an IANA time zone', { fields: [{ field: 'timezone', message: 'must be an IANA time zone like Europe/Berlin' }] });
  }
  return deps.db.transaction().execute(async (trx) => {
    const slug = await freeSlug(trx, input.slug ?? slugify(name), input.slug !== undefined);
    const tenant = await trx
      .insertInto('tenants')
      .values({ slug, name, timezone, settings: '{}', ...(input.invitationsPerHour === undefined ? {} : { invitations_per_hour: input.invitationsPerHour }) })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('campaigns')
      .values({ tenant_id: tenant.id, is_default: true, criteria: '{}', template: '{}', reminders: '[]', ...DEFAULT_CAMPAIGN })
      .execute();
    const apiKey = await createApiKey({ db: trx }, tenant.id, 'default');
    return { tenant: tenantView(tenant), apiKey };
  });
}

async function freeSlug(trx: Kysely<Database>, wanted: string, exact: boolean): Promise<string> {
  const taken = await trx
    .selectFrom('tenants')
    .select('slug')
    .where((eb) => eb.or([eb('slug', '=', wanted), eb('slug', 'like', `${wanted}-%`)]))
    .execute();
  const set = new Set(taken.map((t) => t.slug));
  if (!set.has(wanted)) return wanted;
  if (exact) throw new AppError('conflict', `A tenant with slug "${wanted}" already exists`);
  for (let i = 2; ; i++) if (!set.has(`${wanted}-${i}`)) return `${wanted}-${i}`;
}

export async function findTenant(deps: Pick<AppDeps, 'db'>, idOrSlug: string | number): Promise<Tenant> {
  const q = deps.db.selectFrom('tenants').selectAll();
  const row = await (typeof idOrSlug === 'number' || /^\d+$/.test(idOrSlug)
    ? q.where('id', '=', Number(idOrSlug))
    : q.where('slug', '=', idOrSlug)
  ).executeTakeFirst();
  if (!row) throw notFound('Tenant');
  return row;
}

export async function listTenants(deps: Pick<AppDeps, 'db'>): Promise<TenantView[]> {
  const rows = await deps.db.selectFrom('tenants').selectAll().orderBy('id').execute();
  return rows.map(tenantView);
}

export async function countTenants(deps: Pick<AppDeps, 'db'>): Promise<number> {
  const row = await deps.db.selectFrom('tenants').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}
