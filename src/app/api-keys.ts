/**
 * API keys: `ri_live_` + 43 base62 characters (256 random bits). Stored as SHA-256 only — a fast
 * hash is right for a high-entropy secret — and shown exactly once, at creation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { opaque, prepared } from '../db/prepared-statements.ts';
import type { ApiKeysTable } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { createBatcher } from './create-batcher.ts';
import type { AppDeps } from './ports.ts';

const KEY_PREFIX = 'ri_live_';
const BODY_LENGTH = 43;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const apiKeyPattern = /^ri_live_[0-9A-Za-z]{43}$/;

function base62(bytes: Buffer, length: number): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (out.length < length) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export type CreatedApiKey = { id: number; name: string; prefix: string; key: string; createdAt: Date };

export async function createApiKey(deps: Pick<AppDeps, 'db'>, tenantId: number, name: string): Promise<CreatedApiKey> {
  const key = KEY_PREFIX + base62(randomBytes(32), BODY_LENGTH);
  const prefix = key.slice(0, KEY_PREFIX.length + 4);
  const row = await deps.db
    .insertInto('api_keys')
    .values({ tenant_id: tenantId, name, prefix, key_hash: hashApiKey(key) })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, name, prefix, key, createdAt: row.created_at };
}

export type ApiKeySummary = { id: number; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

export async function listApiKeys(deps: Pick<AppDeps, 'db'>, tenantId: number): Promise<ApiKeySummary[]> {
  const rows = await deps.db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
}

export async function revokeApiKey(deps: Pick<AppDeps, 'db' | 'clock'>, tenantId: number, keyId: number): Promise<void> {
  const res = await deps.db
    .updateTable('api_keys')
    .set({ revoked_at: deps.clock.now() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (res.numUpdatedRows === 0n) {
    const exists = await deps.db.selectFrom('api_keys').select('id').where('tenant_id', '=', tenantId).where('id', '=', keyId).executeTakeFirst();
    if (!exists) throw notFound('API key');
  }
}

export type AuthenticatedTenant = { tenantId: number; keyId: number };

/** Resolves a presented key to its tenant. Unknown, malformed and revoked keys look the same. */
export type ApiKeyAuthenticator = (key: string) => Promise<AuthenticatedTenant>;

/** Bounds one lookup statement; a server's concurrent requests rarely come near it. */
const MAX_LOOKUP_BATCH = 200;

/**
 * Every request is checked against the database, so a revoked key stops working at once — but the
 * requests that arrive together are looked up together (create-batcher.ts): one statement for all
 * the keys presented while the previous lookup ran. Measured under the ingest benchmark's 50
 * connections, a lookup per request was the server's largest cost: each round trip wakes a backend
 * that takes the request's core. A request waits at most for the lookup in flight when it arrived,
 * then its own, which reads what was committed after it arrived: revocation stays exact.
 */
export function createApiKeyAuthenticator(deps: Pick<AppDeps, 'db' | 'clock'>): ApiKeyAuthenticator {
  const lookup = createBatcher((hashes: Buffer[]) => lookUpKeys(deps, hashes), { maxBatch: MAX_LOOKUP_BATCH });
  return async (key) => {
    const found = apiKeyPattern.test(key) ? await lookup(hashApiKey(key)) : undefined;
    if (!found) throw new AppError('unauthorized', 'Invalid or revoked API key');
    return found;
  };
}

/** One answer per hash, in order: the live key's tenant, or undefined (unknown or revoked). */
async function lookUpKeys(deps: Pick<AppDeps, 'db' | 'clock'>, hashes: Buffer[]): Promise<(AuthenticatedTenant | undefined)[]> {
  // A busy shop's requests all carry the same key: ask for each key once (one parameter, not fifty).
  const distinct = [...new Map(hashes.map((h) => [h.toString('hex'), h])).values()];
  const { rows } = await sql<Pick<Selectable<ApiKeysTable>, 'id' | 'tenant_id' | 'key_hash' | 'revoked_at' | 'last_used_at'>>`${prepared}
    SELECT id, tenant_id, key_hash, revoked_at, last_used_at FROM api_keys WHERE key_hash = any(${opaque(distinct, 'bytea[]')})`.execute(deps.db);
  const now = deps.clock.now();
  // last_used_at is informational: refreshed at most once a minute, so auth stays read-only on hot paths.
  const stale = rows.filter((r) => r.revoked_at === null && (r.last_used_at === null || now.getTime() - r.last_used_at.getTime() > 60_000));
  if (stale.length > 0) await deps.db.updateTable('api_keys').set({ last_used_at: now }).where('id', 'in', stale.map((r) => r.id)).execute();
  const live = new Map(rows.filter((r) => r.revoked_at === null).map((r) => [Buffer.from(r.key_hash).toString('hex'), { tenantId: r.tenant_id, keyId: r.id }]));
  return hashes.map((h) => live.get(h.toString('hex')));
}
