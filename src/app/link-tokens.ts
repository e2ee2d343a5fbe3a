/**
 * Review-link tokens are HMACs of the invitation's natural key under a server secret: 256 bits,
 * reproducible (the same order_ref returns the same link) and never stored — the database keeps
 * only their SHA-256, so a leaked table of hashes opens no review form.
 * Unsubscribe tokens carry the invitation id and a 128-bit MAC, verifiable without a lookup.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { LinkTokens } from './ports.ts';

export function createLinkTokens(secret: string): LinkTokens {
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest();
  const unsubscribeMac = (id: number) => mac(`unsubscribe\0${id}`).subarray(0, 16).toString('base64url');
  return {
    reviewToken: ({ tenantId, campaignId, orderRef }) =>
      mac(`review\0${tenantId}\0${campaignId}\0${orderRef}`).toString('base64url'),
    hashToken: (token) => createHash('sha256').update(token).digest(),
    unsubscribeToken: (id) => `${id.toString(36)}.${unsubscribeMac(id)}`,
    verifyUnsubscribeToken(token) {
      const m = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
      if (!m) return undefined;
      const id = Number.parseInt(m[1]!, 36);
      const expected = Buffer.from(unsubscribeMac(id));
      const given = Buffer.from(m[2]!);
      return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
    },
  };
}

/** SECRET_KEY when configured; otherwise one generated on first start and kept in the database. */
export async function resolveLinkSecret(db: Kysely<Database>, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  await db
    .insertInto('instance_settings')
    .values({ key: 'link_secret', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', 'link_secret').executeTakeFirstOrThrow();
  return row.value;
}

/** A syntactically plausible review token (base64url, 43 chars). Anything else is unknown at once. */
export function looksLikeReviewToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
