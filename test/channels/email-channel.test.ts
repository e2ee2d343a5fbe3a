import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createWorker, type StartableWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { attemptsOf, eventTypes, invitationRow, newInvitation, newTenant } from '../worker/queue-fixtures.ts';

/** Header lines of the raw message, unfolded, as `name: value`. */
function headerLines(raw: Buffer): string[] {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!;
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

describe.each(engines)('email channel over real SMTP on %s', (engine) => {
  let s: TestServices;
  let sink: SmtpSink;
  let worker: StartableWorker;
  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await createTestServices(engine, { env: { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '2000', WORKER_LEASE_MS: '10000' } });
    worker = createWorker(s, { periodicTasks: false });
  });
  afterAll(async () => {
    await s?.dispose();
    await sink?.close();
  });

  it('delivers one real email with HTML and text, the API review link and one-click unsubscribe', async () => {
    const tenant = await newTenant(s, 'Kaffeerösterei & Co');
    const api = await newInvitation(s, tenant.id, { email: 'jane.doe@example.com', name: 'Jane Doe' });
    const counts = await worker.runOnce();
    expect(counts).toMatchObject({ claimed: 1, sent: 1 });

    const mail = sink.accepted.find((m) => m.envelope.to.includes('jane.doe@example.com'))!;
    expect(mail).toBeDefined();
    expect(mail.parsed.messageId).toBe(`<invitation-${api.id}@reviews.example.test>`);
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Example Shop', address: 'reviews@shop.example' });
    expect(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value[0] : undefined).toMatchObject({ name: 'Jane Doe', address: 'jane.doe@example.com' });
    expect(mail.parsed.subject).toBe('How was your order from Kaffeerösterei & Co?');

    // Both parts carry the very link the API answered, and a visible unsubscribe link.
    expect(mail.parsed.text).toContain(api.review_url);
    expect(mail.parsed.html).toContain(`href="${api.review_url}"`);
    expect(mail.parsed.html).toContain('Kaffeerösterei &amp; Co');
    const lines = headerLines(mail.raw);
    const unsubscribe = lines.filter((l) => /^list-unsubscribe:/i.test(l));
    expect(unsubscribe).toHaveLength(1);
    const url = /^List-Unsubscribe: <(https:\/\/reviews\.example\.test\/u\/[^>\s]+)>$/i.exec(unsubscribe[0]!)?.[1];
    expect(url).toBeDefined();
    expect(s.deps.links.verifyUnsubscribeToken(url!.split('/u/')[1]!)).toBe(api.id);
    expect(lines.filter((l) => /^list-unsubscribe-post:/i.test(l))).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    expect(mail.parsed.text).toContain(url);
    expect(mail.parsed.html).toContain(`href="${url}"`);
    // Neutral wording: it asks about the experience, whatever it was.
    expect(`${mail.parsed.text} ${mail.parsed.html}`).not.toMatch(/happy|liked|satisf|enjoy/i);

    const row = await invitationRow(s, api.id);
    expect(row.state).toBe('sent');
    expect(row.sent_at).toBeInstanceOf(Date);
    expect(row.expires_at!.getTime() - row.sent_at!.getTime()).toBe(30 * 24 * 60 * 60 * 1000);
    expect(row.lease_token).toBeNull();
    const [attempt] = await attemptsOf(s, api.id);
    expect(attempt).toMatchObject({ attempt: 1, outcome: 'sent' });
    expect(attempt!.finished_at).toBeInstanceOf(Date);
    expect(await eventTypes(s, api.id)).toEqual(['created', 'sent']);
  });

  it('writes German to a German locale', async () => {
    const tenant = await newTenant(s, 'Buchladen');
    const api = await newInvitation(s, tenant.id, { email: 'max@example.de', name: 'Max Mustermann', locale: 'de-DE' });
    await worker.runOnce();
    const mail = sink.accepted.find((m) => m.envelope.to.includes('max@example.de'))!;
    expect(mail.parsed.subject).toBe('Wie war Ihre Bestellung bei Buchladen?');
    expect(mail.parsed.text).toContain('Hallo Max,');
    expect(mail.parsed.text).toContain(`Bewertung schreiben: ${api.review_url}`);
  });

  it('renders a campaign template with customer data as data: escaped in HTML, never evaluated', async () => {
    const tenant = await newTenant(s, 'Tea <Shop>');
    await sql`UPDATE campaigns SET template = ${JSON.stringify({
      subject: 'A note for {{ first_name }} from {{ shop }}',
      html: '<p>Dear {{ name }} ({{ name | raw }})</p><a href="{{ review_url }}">Review</a> <a href="{{ unsubscribe_url }}">Stop</a>',
      text: 'Dear {{ name }}: {{ review_url }} / {{ unsubscribe_url }}',
    })}::jsonb WHERE tenant_id = ${tenant.id}`.execute(s.deps.db);
    const api = await newInvitation(s, tenant.id, { email: 'eve@example.com', name: 'Eve <b>{{ shop }}</b>' });
    await worker.runOnce();
    const mail = sink.accepted.find((m) => m.envelope.to.includes('eve@example.com'))!;
    expect(mail.parsed.subject).toBe('A note for Eve from Tea <Shop>');
    expect(mail.parsed.html).toContain('Dear Eve &lt;b&gt;{{ shop }}&lt;/b&gt; (Eve &lt;b&gt;{{ shop }}&lt;/b&gt;)');
    expect(mail.parsed.html).not.toContain('<b>');
    expect(mail.parsed.text).toBe(`Dear Eve <b>{{ shop }}</b>: ${api.review_url} / ${/<(.*)>/.exec(headerLines(mail.raw).find((l) => /^list-unsubscribe:/i.test(l))!)![1]}`);
  });

  it('fails an invitation whose campaign template is broken, with the reason, without sending', async () => {
    const tenant = await newTenant(s);
    await sql`UPDATE campaigns SET template = ${JSON.stringify({ subject: 'Hi {{ nickname }}' })}::jsonb WHERE tenant_id = ${tenant.id}`.execute(s.deps.db);
    const before = sink.messages.length;
    const api = await newInvitation(s, tenant.id);
    expect(await worker.runOnce()).toMatchObject({ failed: 1 });
    const row = await invitationRow(s, api.id);
    expect(row).toMatchObject({ state: 'failed', reason_code: 'permanent_failure' });
    expect(row.last_error).toMatch(/template.*nickname/);
    expect(sink.messages.length).toBe(before);
  });
});

describe.each(engines)('email channel without SMTP_URL on %s', (engine) => {
  let s: TestServices;
  beforeAll(async () => {
    s = await createTestServices(engine);
  });
  afterAll(async () => s?.dispose());

  it('captures the message in the outbox, never sends, and captures a retry only once', async () => {
    const tenant = await newTenant(s);
    const api = await newInvitation(s, tenant.id, { email: 'olga@example.com', name: 'Olga Berg' });
    expect(await createWorker(s, { periodicTasks: false }).runOnce()).toMatchObject({ sent: 1 });
    const rows = await s.deps.db.selectFrom('outbox').selectAll().where('invitation_id', '=', api.id).execute();
    expect(rows).toHaveLength(1);
    const msg = rows[0]!;
    expect(msg).toMatchObject({ tenant_id: tenant.id, message_id: `<invitation-${api.id}@reviews.example.test>`, mail_from: 'Example Shop <reviews@shop.example>', mail_to: '"Olga Berg" <olga@example.com>' });
    expect(msg.subject).toBe(`How was your order from ${tenant.name}?`);
    expect(msg.text_body).toContain(api.review_url);
    expect(msg.html_body).toContain(`href="${api.review_url}"`);
    expect(msg.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(msg.headers['List-Unsubscribe']).toMatch(/^<https:\/\/reviews\.example\.test\/u\/.+>$/);
    const row = await invitationRow(s, api.id);
    expect(row).toMatchObject({ state: 'sent', provider_ref: `outbox:${msg.id}` });

    // Same invitation handed over again (as after an uncertain attempt): nothing new is captured.
    const channel = s.channels.get('email')!;
    const receipt = await channel.deliver(
      { invitation: row, tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name }, campaign: { id: row.campaign_id, slug: 'default', name: 'Default', template: {}, expiryDays: 30 }, reviewUrl: api.review_url, unsubscribeUrl: 'https://reviews.example.test/u/x' },
      { logger: s.logger, signal: AbortSignal.timeout(5000), attempt: 2 },
    );
    expect(receipt.providerRef).toBe(`outbox:${msg.id}`);
    expect(await s.deps.db.selectFrom('outbox').select('id').where('invitation_id', '=', api.id).execute()).toHaveLength(1);
  });
});
