/**
 * /api/v1/campaigns: the tenant's invitation rules. No DELETE: invitations keep referring to their
 * campaign, so a campaign that should stop is disabled (`enabled: false`).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { campaignView } from '../../app/campaign-view.ts';
import { checkCampaignInput } from '../../app/check-campaign-input.ts';
import { createCampaign } from '../../app/create-campaign.ts';
import { getCampaign } from '../../app/get-campaign.ts';
import { listCampaigns } from '../../app/list-campaigns.ts';
import { updateCampaign } from '../../app/update-campaign.ts';
import { validationError, type FieldError } from '../../errors.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { CampaignIdParams, CampaignReply, CreateCampaignBody, ListCampaignsReply, UpdateCampaignBody } from '../schemas/campaigns.ts';
import { validationFields } from '../validation-fields.ts';

const security = [{ apiKey: [] }];

/** The use case's messages are the more specific ones for a field both name. */
function merge(schemaFields: FieldError[], own: FieldError[]): FieldError[] {
  const named = new Set(own.map((f) => f.field));
  return [...own, ...schemaFields.filter((f) => !named.has(f.field))];
}

function ownFields(check: ReturnType<typeof checkCampaignInput>): FieldError[] {
  return check.ok ? [] : check.fields;
}

export async function campaignRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/campaigns',
    { schema: { tags: ['campaigns'], summary: 'List campaigns, the default first', security, response: { 200: ListCampaignsReply, ...errorResponses } } },
    async (request) => ({ ok: true as const, campaigns: await listCampaigns(deps, tenantOf(request)) }),
  );

  r.get(
    '/campaigns/:id',
    { schema: { tags: ['campaigns'], summary: 'One campaign, by id or slug', security, params: CampaignIdParams, response: { 200: CampaignReply, ...errorResponses } } },
    async (request) => ({ ok: true as const, campaign: campaignView(await getCampaign(deps, tenantOf(request), request.params.id)) }),
  );

  r.post(
    '/campaigns',
    {
      attachValidation: true,
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign',
        description: 'Secrets in destinations (webhook secret, amino api_key) are write-only: answers say secret_set / api_key_set instead.',
        security,
        body: CreateCampaignBody,
        response: { 201: CampaignReply, ...errorResponses, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      if (request.validationError) {
        const schemaFields = validationFields(request.validationError.validation, request.validationError.validationContext);
        throw validationError(merge(schemaFields, ownFields(checkCampaignInput(request.body))));
      }
      return reply.code(201).send({ ok: true as const, campaign: await createCampaign(deps, tenantId, request.body) });
    },
  );

  r.patch(
    '/campaigns/:id',
    {
      attachValidation: true,
      schema: {
        tags: ['campaigns'],
        summary: 'Change a campaign',
        description: 'Fields left out keep their values; criteria and template change key by key (null removes a key). Disable with {"enabled": false}.',
        security,
        params: CampaignIdParams,
        body: UpdateCampaignBody,
        response: { 200: CampaignReply, ...errorResponses, 409: ErrorBody },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      if (request.validationError) {
        const schemaFields = validationFields(request.validationError.validation, request.validationError.validationContext);
        const stored = await getCampaign(deps, tenantId, request.params.id);
        throw validationError(merge(schemaFields, ownFields(checkCampaignInput(request.body, stored))));
      }
      return { ok: true as const, campaign: await updateCampaign(deps, tenantId, request.params.id, request.body) };
    },
  );
}
