/**
 * OpenAPI 3.1 generated from the TypeBox route schemas, served at /openapi.json and rendered at /docs
 * by Swagger UI from its bundled assets (no CDN: the docs work offline and leak no visits). Must be
 * registered before the routes it documents.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

// Swagger UI styles itself inline; everything else comes from this origin.
const SWAGGER_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

export async function registerOpenApi(app: FastifyInstance, options: { publicUrl: string; version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'review-invites API',
        version: options.version,
        description: 'Review invitations: amino.reviews-compatible invitation API, funnel stats, the email outbox and operator endpoints.',
      },
      servers: [{ url: options.publicUrl }],
      tags: [
        { name: 'invitations', description: 'Send and inspect review invitations' },
        { name: 'outbox', description: 'Emails captured instead of sent (no SMTP_URL)' },
        { name: 'admin', description: 'Operator endpoints, need ADMIN_TOKEN' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key: Authorization: Bearer ri_live_...' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'The operator token (ADMIN_TOKEN)' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false }, staticCSP: SWAGGER_CSP });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
