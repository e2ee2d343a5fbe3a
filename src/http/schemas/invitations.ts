/** Schemas of /api/v1/invitations: validation, response shape and OpenAPI from one source. */
import { Type, type Static } from 'typebox';
import type { InvitationDetail } from '../../app/get-invitation.ts';
import type { InvitationView } from '../../app/invitation-view.ts';
import { Nullable } from './error-body.ts';

const Timestamp = Type.String({ format: 'date-time' });
const OptionalText = (description: string) => Type.Optional(Nullable(Type.String({ description })));

export const CreateInvitationBody = Type.Object(
  {
    email: Type.String({ description: 'The customer\'s email address (one plain address)', examples: ['jane@example.com'] }),
    name: Type.String({ description: 'The customer\'s name, 1-200 characters, no line breaks; personalises the email', examples: ['Jane Doe'] }),
    order_ref: Type.Optional(
      Nullable(Type.Union([Type.String(), Type.Integer()], { description: 'Your order reference; the same order_ref twice returns the same invitation and sends nothing new' })),
    ),
    campaign: OptionalText('Campaign slug; the tenant\'s default campaign when omitted'),
    locale: OptionalText('Language tag of the email, e.g. en or de-DE'),
    send_at: OptionalText('ISO 8601 date-time with a time zone, e.g. 2026-12-01T09:00:00Z; sends now when omitted'),
  },
  { additionalProperties: false },
);

export const InvitationSchema = Type.Object(
  {
    id: Type.Integer(),
    state: Type.String({ description: 'pending | sending | sent | skipped | failed' }),
    reason_code: Nullable(Type.String()),
    order_ref: Type.String(),
    campaign_id: Type.Integer(),
    email: Type.String(),
    name: Type.String(),
    locale: Nullable(Type.String()),
    channel: Type.String(),
    destination: Type.String(),
    review_url: Type.String({ format: 'uri' }),
    scheduled_at: Timestamp,
    sent_at: Nullable(Timestamp),
    opened_at: Nullable(Timestamp),
    completed_at: Nullable(Timestamp),
    expires_at: Nullable(Timestamp),
    expired_at: Nullable(Timestamp),
    attempts: Type.Integer(),
    last_error: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Invitation' },
);

export const CreateInvitationReply = Type.Object({
  ok: Type.Literal(true),
  review_url: Type.String({ format: 'uri', description: 'The link the customer uses to write the review (the same link is in the email)' }),
  invitation: InvitationSchema,
  duplicate: Type.Boolean({ description: 'true when order_ref matched an existing invitation; nothing new was sent' }),
});

export const InvitationIdParams = Type.Object({ id: Type.String({ description: 'Invitation id' }) });

const TimelineEntrySchema = Type.Object({
  type: Type.String({ description: 'created, sent, opened, completed, expired, skipped, ...' }),
  at: Timestamp,
  data: Nullable(Type.Object({}, { additionalProperties: true })),
});

const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  started_at: Timestamp,
  finished_at: Nullable(Timestamp),
  outcome: Nullable(Type.String({ description: 'sent | transient | permanent | uncertain | skipped | released | abandoned; null while in flight' })),
  error: Nullable(Type.String()),
  duration_ms: Nullable(Type.Integer()),
});

const { attempts: _attemptCount, ...viewProperties } = InvitationSchema.properties;

export const InvitationDetailSchema = Type.Object(
  {
    ...viewProperties,
    attempt_count: Type.Integer({ description: 'Delivery attempts started so far' }),
    timeline: Type.Array(TimelineEntrySchema, { description: 'What happened to the invitation, oldest first' }),
    attempts: Type.Array(AttemptSchema, { description: 'Every delivery attempt, first to last' }),
  },
  { title: 'InvitationDetail' },
);

export const InvitationDetailReply = Type.Object({ ok: Type.Literal(true), invitation: InvitationDetailSchema });

export const StatsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Only invitations sent at or after this instant' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Only invitations sent before this instant' })),
    campaign: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,40}$', description: 'Campaign slug' })),
  },
  { additionalProperties: false },
);

export const StatsReply = Type.Object({
  ok: Type.Literal(true),
  stats: Type.Object({
    sent: Type.Integer({ description: 'Invitations delivered' }),
    opened: Type.Integer({ description: 'Invitations whose review link was followed' }),
    completed: Type.Integer({ description: 'Invitations that led to a submitted review' }),
    expired: Type.Integer({ description: 'Invitations whose link window passed without a review' }),
  }),
});

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
// The response serializer drops what the schema does not list: a field added to the view must be added here.
true satisfies SameKeys<InvitationView, Static<typeof InvitationSchema>>;
true satisfies SameKeys<InvitationDetail, Static<typeof InvitationDetailSchema>>;
