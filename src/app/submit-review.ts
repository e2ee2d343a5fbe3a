/**
 * The hosted review form's submission: one review per invitation, ever. The review, `completed_at`
 * (and `opened_at` when no GET stamped it, so "completed" always implies "opened" in the funnel) and
 * their timeline events commit in one transaction. The invitation row is locked first so two
 * simultaneous submissions queue up and the second sees "already received"; the UNIQUE
 * reviews.invitation_id is the guarantee underneath if anything ever skipped that lock.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { reviewLinkState, selectReviewLink, type ReviewLinkPage, type ReviewLinkRow } from './open-review-link.ts';
import type { AppDeps } from './ports.ts';

export const REVIEW_TITLE_MAX = 150;
export const REVIEW_TEXT_MAX = 5000;

/** The form fields as posted (strings, or absent). */
export type ReviewInput = { rating?: string | undefined; title?: string | undefined; text?: string | undefined };

export type ReviewProblem = 'rating_required' | 'title_too_long' | 'title_invalid_characters' | 'text_too_long' | 'text_invalid_characters';

export type ReviewProblems = Partial<Record<'rating' | 'title' | 'text', ReviewProblem>>;

export type ReviewCheck =
  | { ok: true; rating: number; title: string | null; text: string | null }
  | { ok: false; problems: ReviewProblems };

export type SubmitReviewResult =
  | { kind: 'invalid' }
  | { kind: 'already_received'; page: ReviewLinkPage }
  | { kind: 'rejected'; page: ReviewLinkPage; problems: ReviewProblems }
  | { kind: 'stored'; page: ReviewLinkPage; reviewId: number };

// Control characters, lone surrogates, and the Unicode line/paragraph separators.
const FORBIDDEN_IN_TITLE = /[\p{Cc}\p{Cs}\u2028\u2029]/u;
// The same, but newlines are the point of a multi-line text.
const FORBIDDEN_IN_TEXT = /[\p{Cs}\u2028\u2029]|(?![\n])\p{Cc}/u;

const codePoints = (s: string): number => [...s].length;

/**
 * Lengths count characters as people see them (code points), never more than a browser's maxlength
 * (which counts UTF-16 units), so whatever the form let through passes here too.
 */
export function checkReview(input: ReviewInput): ReviewCheck {
  const problems: ReviewProblems = {};
  const rating = /^[1-5]$/.test(input.rating?.trim() ?? '') ? Number(input.rating!.trim()) : undefined;
  if (rating === undefined) problems.rating = 'rating_required';

  const title = (input.title ?? '').normalize('NFC').trim();
  if (FORBIDDEN_IN_TITLE.test(title)) problems.title = 'title_invalid_characters';
  else if (codePoints(title) > REVIEW_TITLE_MAX) problems.title = 'title_too_long';

  // Browsers send CRLF; tabs pasted from documents become spaces rather than an error nobody can see.
  const text = (input.text ?? '').normalize('NFC').replace(/\r\n?/g, '\n').replace(/\t/g, ' ').trim();
  if (FORBIDDEN_IN_TEXT.test(text)) problems.text = 'text_invalid_characters';
  else if (codePoints(text) > REVIEW_TEXT_MAX) problems.text = 'text_too_long';

  if (rating === undefined || Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, rating, title: title === '' ? null : title, text: text === '' ? null : text };
}

/** How the review is signed when published: "Jane D." — enough to be a person, not enough to find them. */
function authorName(row: Pick<ReviewLinkRow, 'first_name' | 'last_name'>): string | null {
  if (!row.first_name) return null;
  const initial = row.last_name ? [...row.last_name.trim()][0] : undefined;
  return initial ? `${row.first_name} ${initial.toUpperCase()}.` : row.first_name;
}

export async function submitReview(deps: AppDeps, token: string, input: ReviewInput): Promise<SubmitReviewResult> {
  const check = checkReview(input);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    // Only the invitation row is locked: locking the tenant too would queue behind its API inserts.
    const row = await selectReviewLink(trx, deps.links, token).forUpdate('i').executeTakeFirst();
    const state = reviewLinkState(row, now);
    if (state.kind === 'invalid' || row === undefined) return { kind: 'invalid' } as const;
    if (state.kind === 'completed') return { kind: 'already_received', page: state.page } as const;
    if (!check.ok) return { kind: 'rejected', page: state.page, problems: check.problems } as const;

    const review = await trx
      .insertInto('reviews')
      .values({ tenant_id: row.tenant_id, invitation_id: row.id, rating: check.rating, title: check.title, body: check.text, author_name: authorName(row), created_at: now })
      .onConflict((oc) => oc.column('invitation_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!review) return { kind: 'already_received', page: state.page } as const;

    await recordCompletion(trx, row, review.id, now);
    return { kind: 'stored', page: state.page, reviewId: review.id } as const;
  });
}

async function recordCompletion(trx: Kysely<Database>, row: ReviewLinkRow, reviewId: number, now: Date): Promise<void> {
  // A review written through a link the shop shared before our email went out: the email would
  // now ask for something already done, so the pending invitation is skipped instead.
  const skip = row.state === 'pending';
  await trx
    .updateTable('invitations')
    .set({
      completed_at: now,
      opened_at: row.opened_at ?? now,
      updated_at: now,
      ...(skip ? { state: 'skipped', reason_code: 'review_completed' } : {}),
    })
    .where('id', '=', row.id)
    .execute();
  const event = (type: string, data: Record<string, unknown> | null) => ({ invitation_id: row.id, tenant_id: row.tenant_id, type, at: now, data: data === null ? null : JSON.stringify(data) });
  await trx
    .insertInto('invitation_events')
    .values([
      ...(row.opened_at === null ? [event('opened', { via: 'submit' })] : []),
      event('completed', { review_id: reviewId }),
      ...(skip ? [event('skipped', { reason_code: 'review_completed' })] : []),
    ])
    .execute();
}
