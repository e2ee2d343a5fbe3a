import { describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import { composeMessage } from '../../src/channels/email/compose-message.ts';
import type { OutgoingEmail } from '../../src/channels/email/outgoing-email.ts';

const date = new Date('2026-12-08T01:02:03Z');
const baseBoundary = '0123456789abcdef';

/** What nodemailer's own composer (the one `sendMail` uses for fields) streams for the same email. */
function viaNodemailer(email: OutgoingEmail): Promise<Buffer> {
  const composer = new MailComposer({
    from: email.from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: email.messageId,
    headers: email.headers,
    date,
    baseBoundary,
  });
  return composer.compile().build();
}

function email(overrides: Partial<OutgoingEmail>): OutgoingEmail {
  return {
    tenantId: 1,
    invitationId: 7,
    messageId: '<invitation-7@reviews.example.test>',
    from: 'Example Shop <reviews@shop.example>',
    to: { name: 'Jane Doe', address: 'jane.doe@example.com' },
    subject: 'How was your order?',
    text: 'Hello Jane,\n\nplease tell us: https://reviews.example.test/r/abc\n',
    html: '<p>Hello Jane,</p><p><a href="https://reviews.example.test/r/abc">Tell us</a></p>',
    headers: { 'List-Unsubscribe': '<https://reviews.example.test/u/xyz>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    ...overrides,
  };
}

/** A deterministic mix of what customer data and merchant templates hold: umlauts, CJK, emoji, quotes, dots, whitespace. */
function mixedText(seed: number, length: number): string {
  const pieces = ['Müller', ' ', 'O\'Brien', '"quoted"', '東京', '🙂', '.', '\n', '\r\n', '\t', ' ', 'x'.repeat(90), '=', 'ß', ',', '<b>', '&amp;', '  \n', '.\n.'];
  let state = seed;
  let out = '';
  while (out.length < length) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    out += pieces[state % pieces.length];
  }
  return out;
}

const cases: Array<[string, OutgoingEmail]> = [
  ['plain ASCII with short lines (7bit)', email({})],
  ['umlauts in the shop name, subject and body (quoted-printable)', email({
    from: 'Kaffeerösterei & Co <reviews@shop.example>',
    to: { name: 'Jürgen Müller', address: 'jurgen@example.com' },
    subject: 'Wie war Ihre Bestellung bei Kaffeerösterei & Co?',
    text: 'Hallo Jürgen,\n\nwie war es? https://reviews.example.test/r/' + 'a'.repeat(120) + '\n',
    html: '<p>Hallo Jürgen,</p>' + '<p>lorem ipsum dolor sit amet, consectetur adipiscing elit. </p>'.repeat(30),
  })],
  ['mostly non-Latin text (base64)', email({
    to: { name: '山田 太郎', address: 'taro@example.jp' },
    subject: 'ご注文はいかがでしたか？ 東京の店からのお願いです。レビューをお願いします。',
    text: 'こんにちは山田様、ご注文の感想をお聞かせください。'.repeat(12),
    html: '<p>' + 'こんにちは山田様、ご注文の感想をお聞かせください。'.repeat(12) + '</p>',
  })],
  ['quotes, commas and an at sign in the name; an internationalized domain', email({
    to: { name: 'Doe, "Jane" @ home', address: 'jane@bücher.example' },
  })],
  ['a customer without a name', email({ to: { name: '', address: 'anon@example.com' } })],
  ['an emoji subject long enough to fold', email({ subject: '🙂 '.repeat(4) + 'How was your order of the very long product name that goes on and on for a while?' })],
  ['long lines, trailing whitespace and leading dots', email({ text: 'x'.repeat(200) + '  \n.\n..\nend \t', html: '<p>' + 'y'.repeat(300) + ' </p>\r\n.' })],
  ...[1, 2, 3, 4, 5, 6].map((seed): [string, OutgoingEmail] => [
    `mixed text #${seed}`,
    email({ to: { name: mixedText(seed, 30).replace(/[\r\n]/g, ''), address: `c${seed}@example.com` }, subject: mixedText(seed + 10, 80).replace(/[\r\n]/g, ' '), text: mixedText(seed + 20, 2_000), html: mixedText(seed + 30, 3_000) }),
  ]),
];

describe('composeMessage', () => {
  it.each(cases)('is byte for byte what nodemailer composes: %s', async (_name, mail) => {
    const ours = composeMessage(mail, { baseBoundary, date });
    const theirs = await viaNodemailer(mail);
    expect(ours.raw.toString()).toBe(theirs.toString());
  });

  it('covers each transfer encoding nodemailer picks', () => {
    const encodings = (mail: OutgoingEmail) => composeMessage(mail).raw.toString().match(/^Content-Transfer-Encoding: .*$/gim);
    // The HTML's `=` (href="…") is not plain text to nodemailer.
    expect(encodings(cases[0]![1])).toEqual(['Content-Transfer-Encoding: 7bit', 'Content-Transfer-Encoding: quoted-printable']);
    expect(encodings(cases[1]![1])).toEqual(['Content-Transfer-Encoding: quoted-printable', 'Content-Transfer-Encoding: quoted-printable']);
    expect(encodings(cases[2]![1])).toEqual(['Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: base64']);
  });

  it('reads back as the email it was given, with the envelope of its From and To', async () => {
    const mail = cases[1]![1];
    const { envelope, raw } = composeMessage(mail);
    expect(envelope).toEqual({ from: 'reviews@shop.example', to: ['jurgen@example.com'] });
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.text).toBe(mail.text);
    expect(parsed.html).toBe(mail.html);
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toMatchObject({ name: 'Jürgen Müller', address: 'jurgen@example.com' });
    expect(raw.toString()).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    expect(Math.abs((parsed.date?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('puts the internationalized domain into the envelope in punycode', () => {
    expect(composeMessage(cases[3]![1]).envelope.to).toEqual(['jane@xn--bcher-kva.example']);
  });

  it('draws a new boundary for every message', () => {
    const boundary = (raw: Buffer) => /boundary="([^"]+)"/.exec(raw.toString())![1];
    expect(boundary(composeMessage(email({})).raw)).not.toBe(boundary(composeMessage(email({})).raw));
  });
});
