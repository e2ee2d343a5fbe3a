/** A tenant in `--json` output: snake_case like the HTTP API, so scripts can treat both alike. */
import type { TenantView } from '../app/tenants.ts';

export function tenantJson(t: TenantView) {
  return { id: t.id, slug: t.slug, name: t.name, timezone: t.timezone, invitations_per_hour: t.invitationsPerHour, created_at: t.createdAt };
}
