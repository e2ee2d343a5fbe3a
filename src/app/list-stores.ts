/** A tenant's stores in creation order. */
import type { AppDeps } from './ports.ts';
import { storeView, type StoreView } from './store-view.ts';

export async function listStores(deps: Pick<AppDeps, 'db' | 'publicUrl'>, tenantId: number): Promise<StoreView[]> {
  const rows = await deps.db.selectFrom('stores').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
  return rows.map((s) => storeView(deps.publicUrl, s));
}
