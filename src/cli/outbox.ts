/**
 * `review-invites outbox`: the emails captured instead of sent while SMTP_URL is unset — how a fresh
 * install shows what its customers would receive, review link included, without a mail server.
 */
import type { Command } from 'commander';
import { reviewUrl } from '../app/invitation-view.ts';
import { createLinkTokens, resolveLinkSecret } from '../app/link-tokens.ts';
import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../db/create-database.ts';
import { notFound } from '../errors.ts';
import type { CliContext } from './cli-context.ts';
import { formatTable } from './format-table.ts';
import { parsePositiveInt } from './parse-positive-int.ts';
import { resolveTenant } from './resolve-tenant.ts';
import { withDatabase } from './with-database.ts';

type Options = { tenant?: string; limit: number; show?: number };

async function readOutbox(config: Config, database: DatabaseHandle, options: Options) {
  const db = database.db;
  const tenantId = options.tenant === undefined ? undefined : (await resolveTenant({ db }, options.tenant)).id;
  let query = db
    .selectFrom('outbox as o')
    .innerJoin('tenants as t', 't.id', 'o.tenant_id')
    .leftJoin('invitations as i', 'i.id', 'o.invitation_id')
    .selectAll('o')
    .select(['t.slug as tenant_slug', 'i.tenant_id as inv_tenant_id', 'i.campaign_id as inv_campaign_id', 'i.order_ref as inv_order_ref']);
  if (tenantId !== undefined) query = query.where('o.tenant_id', '=', tenantId);
  if (options.show !== undefined) query = query.where('o.id', '=', options.show);
  const rows = await query.orderBy('o.id', 'desc').limit(options.show === undefined ? options.limit : 1).execute();
  // Review links are derived from the install's secret, never stored. Rebuild the token, then prefer the
  // link exactly as the email has it: PUBLIC_URL (or PORT) may differ between the server and this shell.
  const deps = { links: createLinkTokens(await resolveLinkSecret(db, config.secretKey)), publicUrl: config.publicUrl };
  return rows.map((r) => {
    if (r.inv_tenant_id === null || r.inv_campaign_id === null || r.inv_order_ref === null) return { ...r, review_url: null };
    const rebuilt = reviewUrl(deps, { tenant_id: r.inv_tenant_id, campaign_id: r.inv_campaign_id, order_ref: r.inv_order_ref });
    const token = rebuilt.slice(rebuilt.lastIndexOf('/') + 1);
    const inEmail = r.text_body.split(/\s+/).find((word) => word.startsWith('http') && word.endsWith(`/r/${token}`));
    return { ...r, review_url: inEmail ?? rebuilt };
  });
}

export function registerOutbox(program: Command, ctx: CliContext): void {
  program
    .command('outbox')
    .description('list the emails captured instead of sent (when SMTP_URL is unset)')
    .option('--tenant <id|slug>', 'only this tenant')
    .option('--limit <n>', 'how many of the newest messages', parsePositiveInt, 20)
    .option('--show <id>', "print one message's headers and text", parsePositiveInt)
    .action(async (options: Options) => {
      const config = ctx.config();
      if (config.smtpUrl !== undefined) ctx.note('SMTP_URL is set: new emails are sent, not captured; this lists earlier captures only.');
      const rows = await withDatabase(config, (database) => readOutbox(config, database, options));

      if (options.show !== undefined) {
        const m = rows[0];
        if (!m) throw notFound(`Outbox message ${options.show}`);
        if (ctx.json()) {
          return ctx.printJson({
            id: m.id, tenant: m.tenant_slug, invitation_id: m.invitation_id, message_id: m.message_id, from: m.mail_from, to: m.mail_to,
            subject: m.subject, created_at: m.created_at, review_url: m.review_url, headers: m.headers, text: m.text_body, html: m.html_body,
          });
        }
        // The stored headers may carry Message-ID too: print each header once.
        const shown = new Set(['from', 'to', 'subject', 'date', 'message-id']);
        const headers = Object.entries(m.headers).filter(([name]) => !shown.has(name.toLowerCase())).map(([name, value]) => `${name}: ${value}`);
        return ctx.print(
          [
            `From: ${m.mail_from}`, `To: ${m.mail_to}`, `Subject: ${m.subject}`, `Date: ${m.created_at.toISOString()}`,
            `Message-ID: ${m.message_id}`, ...headers, '', m.text_body,
          ].join('\n'),
        );
      }

      if (ctx.json()) {
        return ctx.printJson(
          rows.map((m) => ({ id: m.id, tenant: m.tenant_slug, invitation_id: m.invitation_id, to: m.mail_to, subject: m.subject, created_at: m.created_at, review_url: m.review_url })),
        );
      }
      if (rows.length === 0) return ctx.print('The outbox is empty.');
      ctx.print(
        formatTable(
          ['ID', 'TENANT', 'TO', 'SUBJECT', 'CREATED', 'REVIEW LINK'],
          rows.map((m) => [m.id, m.tenant_slug, m.mail_to, m.subject, m.created_at, m.review_url]),
        ),
      );
      ctx.note(`Print one message with: review-invites outbox --show ${rows[0]!.id}`);
    });
}
