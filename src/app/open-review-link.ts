/**
 * The review link `/r/:token` as the customer's browser meets it. One rule decides what a token is
 * worth (`reviewLinkState`), so opening and submitting can never disagree:
 *
 * - unknown, malformed or another tenant's token, a withdrawn (skipped) invitation, or a link past
 *   its window → `invalid`; the caller shows one page for all of them, so nobody can probe tokens;
 * - a review was already written → `completed`, even after the window (the customer learns nothing
 *   new, and "thank you" is kinder than "expired");
 * - otherwise → `open`: the form.
 *
 * "opened" is stamped once, by the first GET, and only for invitations that were sent: a link of a
 * pending invitation can only be in someone's hands through the API's review_url (the shop shared
 * it itself), so its form works but the open does not count towards the funnel until it is sent.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AppDeps } from './ports.ts';

/** What a page needs to speak to the customer; nothing that identifies them beyond their first name. */
export type ReviewLinkPage = { tenantName: string; firstName: string | null; locale: string | null };

export type ReviewLinkState = { kind: 'invalid' } | { kind: 'completed'; page: ReviewLinkPage } | { kind: 'open'; page: ReviewLinkPage };

export type ReviewLinkRow = {
  id: number;
  tenant_id: number;
  state: string;
  first_name: string | null;
  last_name: string | null;
  locale: string | null;
  sent_at: Date | null;
  opened_at: Date | null;
  completed_at: Date | null;
  expires_at: Date | null;
  expired_at: Date | null;
  tenant_name: string;
};

/**
 * The lookup by token hash. Malformed tokens are hashed and looked up too, so every invalid token
 * costs the same query as a real one and timing does not tell them apart.
 */
export function selectReviewLink(db: Kysely<Database>, links: AppDeps['links'], token: string) {
  return db
    .selectFrom('invitations as i')
    .innerJoin('tenants as t', 't.id', 'i.tenant_id')
    .select([
      'i.id',
      'i.tenant_id',
      'i.state',
      'i.first_name',
      'i.last_name',
      'i.locale',
      'i.sent_at',
      'i.opened_at',
      'i.completed_at',
      'i.expires_at',
      'i.expired_at',
      't.name as tenant_name',
    ])
    .where('i.token_hash', '=', links.hashToken(token));
}

export function reviewLinkState(row: ReviewLinkRow | undefined, now: Date): ReviewLinkState {
  if (row === undefined) return { kind: 'invalid' };
  const page: ReviewLinkPage = { tenantName: row.tenant_name, firstName: row.first_name, locale: row.locale };
  if (row.completed_at !== null) return { kind: 'completed', page };
  // Skipped = the shop or the customer withdrew it (cancelled order, unsubscribed, manual skip).
  if (row.state === 'skipped') return { kind: 'invalid' };
  // The window is [sent, expires_at): the same boundary the expiry task stamps at.
  if (row.expired_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= now.getTime())) return { kind: 'invalid' };
  return { kind: 'open', page };
}

export type OpenReviewLinkOptions = {
  /** False for HEAD: link scanners and previews must not count as the customer opening the link. */
  countOpen: boolean;
};

export async function openReviewLink(deps: AppDeps, token: string, options: OpenReviewLinkOptions): Promise<ReviewLinkState> {
  const now = deps.clock.now();
  const row = await selectReviewLink(deps.db, deps.links, token).executeTakeFirst();
  const state = reviewLinkState(row, now);
  if (state.kind === 'open' && options.countOpen && row !== undefined && row.sent_at !== null && row.opened_at === null) {
    await stampOpened(deps, row, now);
  }
  return state;
}

async function stampOpened(deps: AppDeps, row: ReviewLinkRow, now: Date): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    // The `opened_at IS NULL` guard makes the first GET win even when two arrive at once.
    const stamped = await trx
      .updateTable('invitations')
      .set({ opened_at: now, updated_at: now })
      .where('id', '=', row.id)
      .where('opened_at', 'is', null)
      .where('sent_at', 'is not', null)
      .returning('id')
      .executeTakeFirst();
    if (stamped) {
      await trx.insertInto('invitation_events').values({ invitation_id: row.id, tenant_id: row.tenant_id, type: 'opened', at: now, data: null }).execute();
    }
  });
}
