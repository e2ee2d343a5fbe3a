/** A tenant's campaigns, default first, then in creation order. */
import { campaignView, type CampaignView } from './campaign-view.ts';
import type { AppDeps } from './ports.ts';

export async function listCampaigns(deps: Pick<AppDeps, 'db'>, tenantId: number): Promise<CampaignView[]> {
  const rows = await deps.db.selectFrom('campaigns').selectAll().where('tenant_id', '=', tenantId).orderBy('is_default', 'desc').orderBy('id').execute();
  return rows.map(campaignView);
}
