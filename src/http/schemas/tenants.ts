/** Schemas of /admin/v1/tenants (operator only). */
import { Type } from 'typebox';

export const CreateTenantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Example Shop'] }),
    slug: Type.Optional(Type.String({ description: 'Lowercase letters, digits and dashes; derived from name when omitted' })),
    timezone: Type.Optional(Type.String({ description: 'IANA time zone, default UTC', examples: ['Europe/Berlin'] })),
    invitations_per_hour: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Rolling-hour API invitation limit, default 100' })),
  },
  { additionalProperties: false },
);

export const TenantSchema = Type.Object(
  {
    id: Type.Integer(),
    slug: Type.String(),
    name: Type.String(),
    timezone: Type.String(),
    invitations_per_hour: Type.Integer(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'Tenant' },
);

export const CreateTenantReply = Type.Object({
  ok: Type.Literal(true),
  tenant: TenantSchema,
  api_key: Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    prefix: Type.String(),
    key: Type.String({ description: 'The secret API key. Shown only here, once; store it now' }),
  }),
});

export const ListTenantsReply = Type.Object({ ok: Type.Literal(true), tenants: Type.Array(TenantSchema) });
