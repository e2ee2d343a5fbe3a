/** `--tenant <id|slug>` → the tenant row, with an error that repeats what was typed. */
import { findTenant } from '../app/tenants.ts';
import type { AppDeps } from '../app/ports.ts';
import type { Tenant } from '../db/schema.ts';
import { AppError } from '../errors.ts';

export async function resolveTenant(deps: Pick<AppDeps, 'db'>, idOrSlug: string): Promise<Tenant> {
  try {
    return await findTenant(deps, idOrSlug.trim());
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') {
      throw new AppError('not_found', `No tenant with id or slug "${idOrSlug}" (see: review-invites tenants list)`);
    }
    throw err;
  }
}
