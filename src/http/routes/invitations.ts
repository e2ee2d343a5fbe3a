/** /api/v1/invitations: the amino.reviews-compatible create and stats, and one invitation's detail. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { createInvitation, invitationFieldErrors, type CreateInvitationInput } from '../../app/create-invitation.ts';
import { getInvitation } from '../../app/get-invitation.ts';
import { invitationStats } from '../../app/invitation-stats.ts';
import { notFound, validationError, type FieldError } from '../../errors.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { CreateInvitationBody, CreateInvitationReply, InvitationDetailReply, InvitationIdParams, StatsQuery, StatsReply } from '../schemas/invitations.ts';
import { validationFields } from '../validation-fields.ts';

const security = [{ apiKey: [] }];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Schema errors plus the use case's own checks of the fields the schema let through: one 400 names them all. */
function allFieldErrors(schemaFields: FieldError[], body: unknown): FieldError[] {
  if (!isPlainObject(body)) return schemaFields;
  const domain = invitationFieldErrors(body as CreateInvitationInput);
  const named = new Set(domain.map((f) => f.field));
  return [...domain, ...schemaFields.filter((f) => !named.has(f.field))];
}

export async function invitationRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/invitations',
    {
      // The schema's errors are merged with the use case's in the handler instead of answered alone.
      attachValidation: true,
      schema: {
        tags: ['invitations'],
        summary: 'Send one review invitation',
        description: 'Sends now unless send_at is given. The same order_ref twice returns the existing invitation and sends nothing new.',
        security,
        body: CreateInvitationBody,
        response: { 200: CreateInvitationReply, ...errorResponses, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      if (request.validationError) {
        const schemaFields = validationFields(request.validationError.validation, request.validationError.validationContext);
        throw validationError(allFieldErrors(schemaFields, request.body));
      }
      const result = await createInvitation(deps, tenantId, request.body);
      return { ok: true as const, review_url: result.invitation.review_url, invitation: result.invitation, duplicate: !result.created };
    },
  );

  r.get(
    '/invitations/stats',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Funnel counts: sent, opened, completed, expired',
        description: 'from/to filter by the time the invitation was sent.',
        security,
        querystring: StatsQuery,
        response: { 200: StatsReply, ...errorResponses },
      },
    },
    async (request) => {
      const { from, to, campaign } = request.query;
      const stats = await invitationStats(deps, tenantOf(request), {
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
        campaign,
      });
      return { ok: true as const, stats };
    },
  );

  r.get(
    '/invitations/:id',
    {
      schema: {
        tags: ['invitations'],
        summary: 'One invitation with its timeline and delivery attempts',
        security,
        params: InvitationIdParams,
        response: { 200: InvitationDetailReply, ...errorResponses },
      },
    },
    async (request) => {
      // Not a number is simply not an invitation of this tenant: same 404 as any other unknown id.
      if (!/^[1-9][0-9]{0,14}$/.test(request.params.id)) throw notFound('Invitation');
      const invitation = await getInvitation(deps, tenantOf(request), Number(request.params.id));
      return { ok: true as const, invitation };
    },
  );
}
