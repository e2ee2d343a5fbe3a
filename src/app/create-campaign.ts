/** A new campaign for the tenant; its slug must be free (409 otherwise). */
import { AppError, validationError } from '../errors.ts';
import { campaignView, type CampaignView } from './campaign-view.ts';
import { checkCampaignInput } from './check-campaign-input.ts';
import type { AppDeps } from './ports.ts';

export async function createCampaign(deps: Pick<AppDeps, 'db' | 'clock'>, tenantId: number, input: unknown): Promise<CampaignView> {
  const check = checkCampaignInput(input);
  if (!check.ok) throw validationError(check.fields);
  const now = deps.clock.now();
  const row = await deps.db
    .insertInto('campaigns')
    .values({ ...check.value, tenant_id: tenantId, reminders: '[]', created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'slug']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', `A campaign with slug "${check.value.slug}" already exists`, { fields: [{ field: 'slug', message: 'is taken' }] });
  return campaignView(row);
}
