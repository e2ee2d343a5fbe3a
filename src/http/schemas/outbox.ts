/** Schemas of /api/v1/outbox: the emails captured instead of sent when no SMTP_URL is configured. */
import { Type, type Static } from 'typebox';
import type { OutboxMessageView } from '../../app/list-outbox.ts';
import { Nullable } from './error-body.ts';

export const OutboxQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'next_cursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const OutboxMessageSchema = Type.Object(
  {
    id: Type.Integer(),
    invitation_id: Nullable(Type.Integer()),
    message_id: Type.String(),
    from: Type.String(),
    to: Type.String(),
    subject: Type.String(),
    text: Type.String(),
    html: Type.String(),
    headers: Type.Record(Type.String(), Type.String()),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'OutboxMessage' },
);

export const OutboxReply = Type.Object({
  ok: Type.Literal(true),
  messages: Type.Array(OutboxMessageSchema, { description: 'Newest first' }),
  next_cursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' })),
});

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
// The response serializer drops what the schema does not list: keep both in step.
true satisfies SameKeys<OutboxMessageView, Static<typeof OutboxMessageSchema>>;
