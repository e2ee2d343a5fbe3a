/** Schemas of the queue grid (GET /api/v1/invitations, its CSV export) and its actions. */
import { Type, type Static } from 'typebox';
import { gridSorts } from '../../app/grid-cursor.ts';
import type { InvitationGridRow } from '../../app/list-invitations.ts';
import { gridStatuses } from '../../app/invitation-filter.ts';
import { Nullable } from './error-body.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Text = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));
const Instant = (description: string) => Type.Optional(Type.String({ format: 'date-time', description: `${description} (ISO 8601 with a time zone)` }));

/** The grid's filter: the same fields in the query string of the grid and in the body of a bulk action. */
export const filterProperties = {
  status: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: `One or more of ${gridStatuses.join(', ')}, comma-separated or repeated. overdue = pending and scheduled in the past`,
    }),
  ),
  store: Text('Store code (eKomi: purchase point)'),
  campaign: Text('Campaign slug (eKomi: account)'),
  order_ref: Text('The order number (as the shop knows it, or as the invitation carries it: store:number)'),
  q: Text('Part of the customer\'s name or email address'),
  order_date_from: Instant('Orders placed at or after'),
  order_date_to: Instant('Orders placed before'),
  scheduled_from: Instant('Scheduled at or after'),
  scheduled_to: Instant('Scheduled before'),
  sent_from: Instant('Sent at or after'),
  sent_to: Instant('Sent before'),
  reason_code: Text('Why it was skipped or failed, e.g. manual_skip, suppressed, order_cancelled'),
};

const sortProperties = {
  sort: Type.Optional(Type.Union(gridSorts.map((s) => Type.Literal(s)), { description: 'Default created_at' })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'Default desc' })),
};

export const GridQuery = Type.Object(
  {
    ...filterProperties,
    ...sortProperties,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 400, description: 'next_cursor of the previous page (same sort and order)' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv = every matching row as CSV, like /invitations.csv' })),
  },
  { additionalProperties: false },
);

export const CsvQuery = Type.Object({ ...filterProperties, ...sortProperties }, { additionalProperties: false });

export const GridRowSchema = Type.Object(
  {
    id: Type.Integer(),
    order_ref: Type.String(),
    store: Nullable(Type.String({ description: 'Store code' })),
    first_name: Nullable(Type.String()),
    last_name: Nullable(Type.String()),
    email: Type.String(),
    order_date: Nullable(Timestamp),
    campaign: Type.String({ description: 'Campaign slug' }),
    scheduled_at: Timestamp,
    sent_at: Nullable(Timestamp),
    review_url: Type.String({ format: 'uri' }),
    status: Type.String({ description: 'pending | sending | sent | skipped | failed' }),
    reason_code: Nullable(Type.String()),
    destination: Type.String(),
    channel: Type.String(),
    attempts: Type.Integer(),
    last_error: Nullable(Type.String()),
    created_at: Timestamp,
  },
  { title: 'InvitationGridRow' },
);

export const GridReply = Type.Object({
  ok: Type.Literal(true),
  invitations: Type.Array(GridRowSchema),
  next_cursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' })),
});

const Reason = Type.String({ maxLength: 500, description: 'A note for the timeline: why it was skipped' });

export const SkipBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });

export const RescheduleBody = Type.Object(
  { scheduled_at: Type.String({ format: 'date-time', description: 'The new send time (ISO 8601 with a time zone)' }) },
  { additionalProperties: false },
);

export const BulkBody = Type.Object(
  {
    action: Type.Union([Type.Literal('skip'), Type.Literal('push'), Type.Literal('reschedule')]),
    filter: Type.Object(filterProperties, { additionalProperties: false, description: 'The grid filter; at least one criterion' }),
    scheduled_at: Type.Optional(Type.String({ format: 'date-time', description: 'reschedule: the new send time' })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const BulkReply = Type.Object({
  ok: Type.Literal(true),
  matched: Type.Integer({ description: 'Invitations the filter matched, in any state' }),
  changed: Type.Integer({ description: 'Pending invitations changed (each has an event on its timeline)' }),
});

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
// The response serializer drops what the schema does not list: keep both in step.
true satisfies SameKeys<InvitationGridRow, Static<typeof GridRowSchema>>;
