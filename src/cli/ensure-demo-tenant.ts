/**
 * The first `start` on an empty database creates a demo tenant, so a new user can send an invitation
 * seconds after `npm start` without reading about tenants first. Never again once any tenant exists.
 */
import type { AppDeps } from '../app/ports.ts';
import { countTenants, createTenant, type CreatedTenant } from '../app/tenants.ts';
import { AppError } from '../errors.ts';

export const demoTenant = { name: 'Demo Shop', slug: 'demo' } as const;

export async function ensureDemoTenant(deps: Pick<AppDeps, 'db'>): Promise<CreatedTenant | undefined> {
  if ((await countTenants(deps)) > 0) return undefined;
  try {
    return await createTenant(deps, { ...demoTenant });
  } catch (err) {
    // Two `start` processes on one fresh PostgreSQL database race here; the loser simply has no key to show.
    const lostRace = (err instanceof AppError && err.code === 'conflict') || (err as { code?: unknown }).code === '23505';
    if (lostRace) return undefined;
    throw err;
  }
}
