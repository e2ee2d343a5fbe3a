/**
 * Changes a campaign (PATCH): fields left out keep their values; criteria and template change key by
 * key. The stored row is locked while the change is checked against it, so two edits cannot each
 * pass against a state the other is replacing. Invitations already scheduled keep their time; the
 * send-time re-check applies the campaign as it is then (disabled, excluded statuses, cap, catch-up).
 */
import { AppError, validationError } from '../errors.ts';
import { campaignView, type CampaignView } from './campaign-view.ts';
import { checkCampaignInput } from './check-campaign-input.ts';
import { getCampaign } from './get-campaign.ts';
import type { AppDeps } from './ports.ts';

export async function updateCampaign(deps: Pick<AppDeps, 'db' | 'clock'>, tenantId: number, idOrSlug: string, input: unknown): Promise<CampaignView> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const found = await getCampaign({ db: trx }, tenantId, idOrSlug);
    const stored = await trx.selectFrom('campaigns').selectAll().where('id', '=', found.id).forUpdate().executeTakeFirstOrThrow();
    const check = checkCampaignInput(input, stored);
    if (!check.ok) throw validationError(check.fields);
    if (check.value.slug !== stored.slug) {
      const taken = await trx.selectFrom('campaigns').select('id').where('tenant_id', '=', tenantId).where('slug', '=', check.value.slug).executeTakeFirst();
      if (taken) throw new AppError('conflict', `A campaign with slug "${check.value.slug}" already exists`, { fields: [{ field: 'slug', message: 'is taken' }] });
    }
    const row = await trx.updateTable('campaigns').set({ ...check.value, updated_at: now }).where('id', '=', stored.id).returningAll().executeTakeFirstOrThrow();
    return campaignView(row);
  });
}
