/**
 * An HTTP app over fresh test services, with one tenant and its API key ready: what every HTTP test
 * starts from. Requests go through app.inject(), the real Fastify pipeline without a socket.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createTenant } from '../../src/app/tenants.ts';
import type { DatabaseKind } from '../../src/db/create-database.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import type { Clock } from '../../src/app/ports.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';

export type HttpFixture = {
  s: TestServices;
  app: FastifyInstance;
  tenantId: number;
  key: string;
  /** A tenant, its key, with an optional rolling-hour limit. */
  newTenant(name: string, invitationsPerHour?: number): Promise<{ tenantId: number; key: string }>;
  /** inject() with this fixture's key unless headers say otherwise. */
  api(options: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
};

export async function createHttpFixture(engine: DatabaseKind, options: { clock?: Clock } = {}): Promise<HttpFixture> {
  const s = await createTestServices(engine, options.clock ? { clock: options.clock } : {});
  const app = await buildHttpApp(s);
  const newTenant = async (name: string, invitationsPerHour?: number) => {
    const created = await createTenant(s.deps, { name, invitationsPerHour });
    return { tenantId: created.tenant.id, key: created.apiKey.key };
  };
  const first = await newTenant('Shop One');
  return {
    s,
    app,
    ...first,
    newTenant,
    api: ({ key, headers, ...rest }) => app.inject({ ...rest, headers: { authorization: `Bearer ${key ?? first.key}`, ...headers } }),
    async close() {
      await app.close();
      await s.dispose();
    },
  };
}

export async function countInvitations(s: TestServices, tenantId: number): Promise<number> {
  const row = await s.deps.db.selectFrom('invitations').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  return Number(row.n);
}
