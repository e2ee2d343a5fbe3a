/**
 * The invitation queue grid: list (JSON pages or CSV), and the manual actions on one invitation or on
 * every invitation a filter matches (skip, push now, reschedule).
 */
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { actOnInvitation } from '../../app/act-on-invitation.ts';
import { bulkInvitationAction, parseQueueAction } from '../../app/bulk-invitation-action.ts';
import type { QueueAction } from '../../app/change-pending-invitations.ts';
import { exportInvitationsCsv, type CsvExportInput } from '../../app/export-invitations-csv.ts';
import type { InvitationFilterInput } from '../../app/invitation-filter.ts';
import { listInvitations } from '../../app/list-invitations.ts';
import type { AppDeps } from '../../app/ports.ts';
import { notFound, validationError, type FieldError } from '../../errors.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { BulkBody, BulkReply, CsvQuery, GridQuery, GridReply, RescheduleBody, SkipBody } from '../schemas/invitation-queue.ts';
import { InvitationIdParams, InvitationSchema } from '../schemas/invitations.ts';
import { Type } from 'typebox';

const security = [{ apiKey: [] }];
const tags = ['invitation queue'];
const ActionReply = Type.Object({ ok: Type.Literal(true), invitation: InvitationSchema });
const actionResponses = { 200: ActionReply, ...errorResponses, 409: ErrorBody };

async function sendCsv(deps: AppDeps, tenantId: number, input: CsvExportInput, reply: FastifyReply): Promise<FastifyReply> {
  const chunks = await exportInvitationsCsv(deps, tenantId, input);
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', 'attachment; filename="invitations.csv"')
    .send(Readable.from(chunks));
}

/** Not a number is simply not an invitation of this tenant: the same 404 as any other unknown id. */
function invitationId(text: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw notFound('Invitation');
  return Number(text);
}

function actionOrThrow(input: Parameters<typeof parseQueueAction>[0]): QueueAction {
  const fields: FieldError[] = [];
  const action = parseQueueAction(input, fields);
  if (action === undefined || fields.length > 0) throw validationError(fields);
  return action;
}

export async function invitationQueueRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/invitations',
    {
      schema: {
        tags,
        summary: 'The invitation queue: filter, sort, page (or ?format=csv for every row)',
        description: 'Keyset pagination: pass next_cursor back as cursor with the same sort and order. Filters combine with AND; ranges are from inclusive, to exclusive.',
        security,
        querystring: GridQuery,
        response: { 200: GridReply, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { sort, order, limit, cursor, format, ...filter } = request.query;
      if (format === 'csv') return sendCsv(deps, tenantOf(request), { filter: filter as InvitationFilterInput, sort, order }, reply);
      const page = await listInvitations(deps, tenantOf(request), { filter: filter as InvitationFilterInput, sort, order, limit, cursor });
      return { ok: true as const, ...page };
    },
  );

  r.get(
    '/invitations.csv',
    {
      schema: {
        tags,
        summary: 'The invitation queue as CSV: every row the filter matches, no page limit',
        description: 'Streamed. Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.',
        security,
        querystring: CsvQuery,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { sort, order, ...filter } = request.query;
      return sendCsv(deps, tenantOf(request), { filter: filter as InvitationFilterInput, sort, order }, reply);
    },
  );

  r.post(
    '/invitations/:id/skip',
    {
      schema: { tags, summary: 'Skip a pending invitation (reason_code manual_skip)', security, params: InvitationIdParams, body: SkipBody, response: actionResponses },
      // The note is optional, and so is the body that carries it.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const action = actionOrThrow({ action: 'skip', reason: request.body.reason });
      return { ok: true as const, invitation: await actOnInvitation(deps, tenantOf(request), invitationId(request.params.id), action) };
    },
  );

  r.post(
    '/invitations/:id/push',
    {
      schema: { tags, summary: 'Send a pending invitation now, whatever its scheduled time', security, params: InvitationIdParams, response: actionResponses },
    },
    async (request) => ({ ok: true as const, invitation: await actOnInvitation(deps, tenantOf(request), invitationId(request.params.id), { kind: 'push' }) }),
  );

  r.post(
    '/invitations/:id/reschedule',
    {
      schema: { tags, summary: 'Move a pending invitation to another send time', security, params: InvitationIdParams, body: RescheduleBody, response: actionResponses },
    },
    async (request) => {
      const action = actionOrThrow({ action: 'reschedule', scheduled_at: request.body.scheduled_at });
      return { ok: true as const, invitation: await actOnInvitation(deps, tenantOf(request), invitationId(request.params.id), action) };
    },
  );

  r.post(
    '/invitations/bulk',
    {
      schema: {
        tags,
        summary: 'Skip, push or reschedule every pending invitation a filter matches',
        description: 'Works in batches of 1,000 (each its own transaction); invitations that are not pending are counted in matched and left alone.',
        security,
        body: BulkBody,
        response: { 200: BulkReply, ...errorResponses },
      },
    },
    async (request) => {
      const { action, filter, scheduled_at, reason } = request.body;
      const result = await bulkInvitationAction(deps, tenantOf(request), { action, filter: filter as InvitationFilterInput, scheduled_at, reason });
      return { ok: true as const, ...result };
    },
  );
}
