/**
 * The Fastify application: the one place that decides parsers, limits, timeouts, logging, the error
 * shape and which route groups exist. Returns a ready app that is not listening, so tests inject()
 * into it and the CLI calls listen().
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Services } from '../main.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { registerAdminTokenAuth } from './plugins/admin-token-auth.ts';
import { registerApiKeyAuth } from './plugins/api-key-auth.ts';
import { registerJsonBodyParser } from './plugins/json-body.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { serializeRequest } from './plugins/request-serializer.ts';
import { adminDoctorRoutes } from './routes/admin-doctor.ts';
import { adminTenantRoutes } from './routes/admin-tenants.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { invitationQueueRoutes } from './routes/invitation-queue.ts';
import { orderImportRoutes } from './routes/order-import.ts';
import { campaignSimulationRoutes } from './routes/campaign-simulation.ts';
import { orderRoutes } from './routes/orders.ts';
import { rateLimitRoutes } from './routes/rate-limits.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { reviewLinkRoutes } from './routes/review-link.ts';
import { storeRoutes } from './routes/stores.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';

export type HttpAppOptions = {
  /** Whole request, headers and body included (slow uploads). Default 30 s. */
  requestTimeoutMs?: number;
  /** Time to receive the request headers (slowloris). Default 10 s. */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections; above typical load-balancer idle timeouts (60 s). Default 72 s. */
  keepAliveTimeoutMs?: number;
};

export const BODY_LIMIT_BYTES = 100 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A caller's X-Request-Id is kept for tracing across services, but only if it cannot forge log lines. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function packageVersion(): string {
  // src/http and dist/http are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

export async function buildHttpApp(services: Services, options: HttpAppOptions = {}): Promise<FastifyInstance> {
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    // Typed as Fastify's base logger so the instance keeps the default logger type plugins expect.
    loggerInstance: services.logger.child({}, { serializers: { req: serializeRequest } }) as FastifyBaseLogger,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: 'request' }),
    bodyLimit: BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 72_000,
    // allErrors lets one 400 name every bad field; its cost is bounded by bodyLimit. Unknown fields are
    // errors, never silently dropped.
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  });
  app.server.headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);

  // Only JSON at the root: a text/plain body must be a 415, not a string handed to a JSON route.
  // Form routes (review link, unsubscribe) add their own parsers in their own scopes.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await registerOpenApi(app, { publicUrl: services.config.publicUrl, version: packageVersion() });
  await app.register(healthRoutes, { services });
  await app.register(metricsRoutes, { services });

  await app.register(
    async (api) => {
      // TypeBox's compiler never coerces a JSON body (5 stays a number, so `name: 5` is a 400) but does
      // convert query strings; the root keeps Ajv's coercion for HTML form routes.
      api.setValidatorCompiler(TypeBoxValidatorCompiler);
      // Answers carry customers' names and addresses: no shared cache may keep them.
      api.addHook('onRequest', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });
      registerApiKeyAuth(api, services);
      await api.register(invitationRoutes, { services });
      await api.register(invitationQueueRoutes, { services });
      await api.register(outboxRoutes, { services });
      await api.register(orderRoutes, { services });
      await api.register(orderImportRoutes, { services });
      await api.register(storeRoutes, { services });
      await api.register(campaignRoutes, { services });
      await api.register(campaignSimulationRoutes, { services });
      await api.register(rateLimitRoutes, { services });
    },
    { prefix: '/api/v1' },
  );

  await app.register(
    async (admin) => {
      admin.setValidatorCompiler(TypeBoxValidatorCompiler);
      registerAdminTokenAuth(admin, services.config);
      await admin.register(adminTenantRoutes, { services });
      await admin.register(adminDoctorRoutes, { services });
    },
    { prefix: '/admin/v1' },
  );

  await app.register(reviewLinkRoutes, { services });
  await app.register(unsubscribeRoutes, { services });
  await app.ready();
  return app;
}
