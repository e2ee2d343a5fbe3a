/** Schemas of POST /api/v1/orders/import. */
import { Type, type Static } from 'typebox';
import type { ImportReport } from '../../app/import-orders.ts';
import { FieldErrorSchema } from './error-body.ts';

export const ImportQuery = Type.Object(
  {
    backfill: Type.Optional(Type.Boolean({ description: 'true: store past orders and their history without scheduling invitations' })),
    dry_run: Type.Optional(Type.Boolean({ description: 'true: check every row, write nothing' })),
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('jsonl')], { description: 'Overrides the format the Content-Type names' })),
    outcomes: Type.Optional(
      Type.Literal('all', {
        description:
          'all: answer with every row\'s outcome as an NDJSON stream (application/x-ndjson), one line per row in file order, then a {"report": ...} line; ' +
          'memory stays flat however many rows. Without it: the report alone, listing the first 1,000 refused rows',
      }),
    ),
  },
  { additionalProperties: false },
);

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const ImportReportSchema = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl')]),
    dry_run: Type.Boolean(),
    backfill: Type.Boolean(),
    rows: Count('Data rows read (header and blank lines not counted)'),
    valid: Count('Rows that passed every check (dry run: would be imported)'),
    imported: Count('Orders created'),
    updated: Count('Orders that existed and were updated'),
    invitations_created: Count('Invitations scheduled'),
    invitations_skipped: Count('Pending invitations withdrawn because their order ended'),
    not_scheduled: Type.Record(Type.String(), Type.Integer(), { description: 'Campaign decisions not to invite, by reason code' }),
    errors: Count('Rows refused'),
    error_rows: Type.Array(
      Type.Object({
        line: Type.Integer({ description: 'Line of the file the row ends on (a row that cannot be read: the line it starts on; JSON array: the element number)' }),
        order_ref: Type.Union([Type.String(), Type.Null()]),
        message: Type.String(),
        fields: Type.Optional(Type.Array(FieldErrorSchema)),
      }),
      { description: 'The first 1,000 refused rows, in file order' },
    ),
  },
  { title: 'ImportReport' },
);

export const ImportReply = Type.Object({ ok: Type.Literal(true), report: ImportReportSchema });

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
// The response serializer drops what the schema does not list: keep both in step.
true satisfies SameKeys<ImportReport, Static<typeof ImportReportSchema>>;
