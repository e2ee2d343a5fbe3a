import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createHttpFixture, type HttpFixture } from './http-fixture.ts';

type OpenApi = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown; parameters?: Array<{ name: string; in: string }> }>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
};

describe.each(engines)('health, readiness and API docs on %s', (engine) => {
  let f: HttpFixture;
  beforeAll(async () => {
    f = await createHttpFixture(engine);
  });
  afterAll(async () => f?.close());

  it('/healthz answers 200 without credentials', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('/readyz is 200 with the database reachable and migrated, 503 while a migration is pending', async () => {
    expect((await f.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ ok: true });
    const db = f.s.deps.db;
    const row = await sql<{ version: number; name: string }>`DELETE FROM schema_migrations WHERE version = 1 RETURNING version, name`.execute(db);
    try {
      const res = await f.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/migration/) } });
    } finally {
      const { version, name } = row.rows[0]!;
      await sql`INSERT INTO schema_migrations (version, name) VALUES (${version}, ${name})`.execute(db);
    }
    expect((await f.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('sets explicit server timeouts and no-store on API answers', async () => {
    expect(f.app.server.requestTimeout).toBe(30_000);
    expect(f.app.server.headersTimeout).toBe(10_000);
    expect(f.app.server.keepAliveTimeout).toBe(72_000);
    const res = await f.api({ method: 'GET', url: '/api/v1/invitations/stats' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('unknown routes get a 404 in the JSON error shape', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ ok: false, error: { code: 'not_found', message: 'No route GET /nope' } });
  });

  it('every response carries its request id; a sane caller id is kept, a forged one replaced', async () => {
    const kept = await f.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await f.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'x\n{"level":60}' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('/openapi.json', () => {
    let doc: OpenApi;
    beforeAll(async () => {
      const res = await f.app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      doc = res.json();
    });

    it('is OpenAPI 3.1 with the bearer security scheme', () => {
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
      expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('documents the invitation API with bodies, parameters, responses and security', () => {
      const create = doc.paths['/api/v1/invitations']?.post;
      expect(create?.security).toEqual([{ apiKey: [] }]);
      expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
      expect(JSON.stringify(create?.requestBody)).toContain('order_ref');
      const stats = doc.paths['/api/v1/invitations/stats']?.get;
      expect(stats?.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['query:campaign', 'query:from', 'query:to']);
      expect(doc.paths['/api/v1/invitations/{id}']?.get?.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id' })]);
      expect(doc.paths['/api/v1/outbox']?.get).toBeDefined();
      expect(doc.paths['/admin/v1/tenants']?.post?.security).toEqual([{ adminToken: [] }]);
    });

    it('has an operation object with responses for every documented path and method', () => {
      const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
      for (const [path, item] of Object.entries(doc.paths)) {
        expect(path.startsWith('/')).toBe(true);
        for (const [method, op] of Object.entries(item)) {
          if (!methods.includes(method)) continue;
          expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        }
      }
      // Every $ref points at something in the document.
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
      for (const ref of refs) {
        const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
        expect(target, ref).toBeDefined();
      }
    });
  });

  it('/docs serves the Swagger UI page and its assets from this server', async () => {
    const page = await f.app.inject({ method: 'GET', url: '/docs' });
    const html = page.statusCode === 302 ? await f.app.inject({ method: 'GET', url: page.headers.location as string }) : page;
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('swagger-ui');
    const assets = [...html.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const res = await f.app.inject({ method: 'GET', url: new URL(asset, 'http://localhost/docs/').pathname });
      expect(res.statusCode, asset).toBe(200);
    }
  });
});
