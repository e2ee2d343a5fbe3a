/** One campaign of the tenant, by id or slug; any other tenant's is simply not found. */
import type { Campaign } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import type { AppDeps } from './ports.ts';

export async function getCampaign(deps: Pick<AppDeps, 'db'>, tenantId: number, idOrSlug: string): Promise<Campaign> {
  const q = deps.db.selectFrom('campaigns').selectAll().where('tenant_id', '=', tenantId);
  const row = /^[1-9][0-9]{0,14}$/.test(idOrSlug)
    ? await q.where('id', '=', Number(idOrSlug)).executeTakeFirst()
    : await q.where('slug', '=', idOrSlug).executeTakeFirst();
  if (!row) throw notFound('Campaign');
  return row;
}
