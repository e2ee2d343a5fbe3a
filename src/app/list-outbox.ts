/**
 * The emails captured instead of sent (no SMTP_URL), newest first. Keyset pagination on id: the
 * cursor is the id of the last message of the previous page, so inserts never shift a page.
 */
import type { AppDeps } from './ports.ts';

export type OutboxMessageView = {
  id: number;
  invitation_id: number | null;
  message_id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  created_at: string;
};

export type OutboxPage = { messages: OutboxMessageView[]; next_cursor: string | null };

export const MAX_OUTBOX_PAGE = 100;

export async function listOutbox(deps: Pick<AppDeps, 'db'>, tenantId: number, page: { cursor?: number | undefined; limit?: number | undefined } = {}): Promise<OutboxPage> {
  const limit = Math.min(Math.max(page.limit ?? 20, 1), MAX_OUTBOX_PAGE);
  let query = deps.db.selectFrom('outbox').selectAll().where('tenant_id', '=', tenantId);
  if (page.cursor !== undefined) query = query.where('id', '<', page.cursor);
  // One row more than asked tells whether another page exists without a count.
  const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return {
    messages: pageRows.map((r) => ({
      id: r.id,
      invitation_id: r.invitation_id,
      message_id: r.message_id,
      from: r.mail_from,
      to: r.mail_to,
      subject: r.subject,
      text: r.text_body,
      html: r.html_body,
      headers: r.headers,
      created_at: r.created_at.toISOString(),
    })),
    next_cursor: more ? String(pageRows.at(-1)!.id) : null,
  };
}
