/** Schemas of POST /api/v1/campaigns/:id/simulate. */
import { Type, type Static } from 'typebox';
import type { Simulation } from '../../app/simulate-campaign.ts';

const Timestamp = Type.String({ format: 'date-time' });

export const SimulateParams = Type.Object({ id: Type.String({ description: 'Campaign id or slug' }) });

export const SimulateBody = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'Orders placed at or after (ISO 8601 with a time zone)' }),
    to: Type.String({ format: 'date-time', description: 'Orders placed before' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'How many scheduled invitations, and examples per reason, to list' })),
  },
  { additionalProperties: false },
);

const Example = Type.Object({ order_ref: Type.String(), store: Type.String(), detail: Type.Optional(Type.String()) });

export const SimulationSchema = Type.Object(
  {
    campaign: Type.Object({ id: Type.Integer(), slug: Type.String(), enabled: Type.Boolean({ description: 'A disabled campaign is replayed as if enabled' }) }),
    from: Timestamp,
    to: Timestamp,
    orders: Type.Integer({ description: 'Orders placed in the range' }),
    would_schedule: Type.Integer(),
    scheduled: Type.Array(Type.Object({ order_ref: Type.String(), store: Type.String(), scheduled_at: Timestamp }), { description: 'The first `limit`, in order-date order' }),
    not_scheduled: Type.Record(Type.String(), Type.Object({ count: Type.Integer(), examples: Type.Array(Example) }), { description: 'By reason code' }),
  },
  { title: 'CampaignSimulation' },
);

export const SimulateReply = Type.Object({ ok: Type.Literal(true), simulation: SimulationSchema });

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
// The response serializer drops what the schema does not list: keep both in step.
true satisfies SameKeys<Simulation, Static<typeof SimulationSchema>>;
