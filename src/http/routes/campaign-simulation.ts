/** POST /api/v1/campaigns/:id/simulate: what a campaign would schedule over past orders, writing nothing. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { simulateCampaign } from '../../app/simulate-campaign.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { SimulateBody, SimulateParams, SimulateReply } from '../schemas/campaign-simulation.ts';

export async function campaignSimulationRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/campaigns/:id/simulate',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Dry run: replay the campaign over stored orders of a date range',
        description:
          'Reports what the campaign would have scheduled (order, time) and why every other order would not have been invited (reason codes with examples). ' +
          'Reads only, in READ ONLY transactions. A disabled campaign is replayed as if enabled.',
        security: [{ apiKey: [] }],
        params: SimulateParams,
        body: SimulateBody,
        response: { 200: SimulateReply, ...errorResponses, 409: ErrorBody },
      },
    },
    async (request) => {
      const { from, to, limit } = request.body;
      const simulation = await simulateCampaign(deps, tenantOf(request), request.params.id, { from: new Date(from), to: new Date(to), limit });
      return { ok: true as const, simulation };
    },
  );
}
