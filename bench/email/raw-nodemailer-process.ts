/**
 * The email benchmark's baseline, run as its own process like our `work` process: plain pooled
 * nodemailer (`createTransport({ pool: true, url, maxConnections })`, nothing else) sending
 * pre-rendered messages — the same invitations the worker would send, rendered by our renderer with
 * the same links, Message-ID and List-Unsubscribe headers, all before the clock starts. On `go`
 * every message is handed to the pool at once (its own queue feeds each connection the moment it is
 * free): the fastest nodemailer can go, with no database and no rendering in the loop.
 *
 * IPC, parent → child: `{ type: 'prepare', ...RawPrepare }` → `{ type: 'prepared', count }`; then
 * `{ type: 'go' }` → `{ type: 'sent', ms, failed }`. The child exits when the parent disconnects.
 */
import { createTransport, type SendMailOptions } from 'nodemailer';
import pg from 'pg';
import { reviewUrl, unsubscribeUrl } from '../../src/app/invitation-view.ts';
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { invitationMessageId } from '../../src/channels/email/create-email-channel.ts';
import { createEmailRenderer } from '../../src/channels/email/render-invitation-email.ts';
import type { Invitation } from '../../src/db/schema.ts';

export type RawPrepare = {
  databaseUrl: string;
  tenantId: number;
  smtpUrl: string;
  maxConnections: number;
  publicUrl: string;
  secretKey: string;
  mailFrom: string;
};

export type RawCommand = ({ type: 'prepare' } & RawPrepare) | { type: 'go' };

export type RawMessage = { type: 'prepared'; count: number } | { type: 'sent'; ms: number; failed: number; firstError?: string };

type Row = Invitation & { tenant_slug: string; tenant_name: string; campaign_slug: string; campaign_name: string; expiry_days: number };

/** The messages the email channel would build for the tenant's invitations (create-email-channel.ts). */
async function renderMessages(options: RawPrepare): Promise<SendMailOptions[]> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  let rows: Row[];
  try {
    ({ rows } = await client.query<Row>(
      `SELECT i.*, t.slug AS tenant_slug, t.name AS tenant_name, c.slug AS campaign_slug, c.name AS campaign_name, c.expiry_days
       FROM invitations i JOIN tenants t ON t.id = i.tenant_id JOIN campaigns c ON c.id = i.campaign_id
       WHERE i.tenant_id = $1 ORDER BY i.scheduled_at`,
      [options.tenantId],
    ));
  } finally {
    await client.end();
  }
  const links = { links: createLinkTokens(options.secretKey), publicUrl: options.publicUrl };
  const renderer = createEmailRenderer();
  const messages: SendMailOptions[] = [];
  for (const inv of rows) {
    const unsubscribe = unsubscribeUrl(links, inv.id);
    const rendered = await renderer.render({
      invitation: inv,
      tenant: { id: inv.tenant_id, slug: inv.tenant_slug, name: inv.tenant_name },
      campaign: { id: inv.campaign_id, slug: inv.campaign_slug, name: inv.campaign_name, template: {}, expiryDays: inv.expiry_days },
      reviewUrl: reviewUrl(links, inv),
      unsubscribeUrl: unsubscribe,
    });
    messages.push({
      from: options.mailFrom,
      to: { name: inv.name, address: inv.email },
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: invitationMessageId(inv.id, options.publicUrl),
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  }
  return messages;
}

function run(send: (message: RawMessage) => void): void {
  let messages: SendMailOptions[] = [];
  let transporter: ReturnType<typeof createTransport> | undefined;
  process.on('message', (command: RawCommand) => {
    if (command.type === 'prepare') {
      void renderMessages(command).then((rendered) => {
        messages = rendered;
        transporter = createTransport({ pool: true, url: command.smtpUrl, maxConnections: command.maxConnections });
        send({ type: 'prepared', count: messages.length });
      });
      return;
    }
    const t0 = performance.now();
    let failed = 0;
    let firstError: string | undefined;
    void Promise.all(
      messages.map((m) =>
        transporter!.sendMail(m).catch((err: unknown) => {
          failed++;
          firstError ??= String(err);
        }),
      ),
    ).then(() => {
      const ms = performance.now() - t0;
      transporter!.close();
      send(firstError === undefined ? { type: 'sent', ms, failed } : { type: 'sent', ms, failed, firstError });
    });
  });
  process.on('disconnect', () => process.exit(0));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.send) throw new Error('run the baseline with an IPC channel (bench/email/email-bench.ts starts it)');
  const send = process.send.bind(process);
  run((message) => send(message));
}
