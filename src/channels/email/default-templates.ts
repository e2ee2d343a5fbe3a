/**
 * The invitation email every campaign starts with, in English and German, picked by the invitation's
 * locale. Neutral wording: it asks about the experience, whatever it was — never "if you were happy"
 * (asking only satisfied customers is review gating). Liquid; the HTML one is rendered with output
 * escaping, the subject and text without. Self-contained HTML: no images, fonts or trackers.
 */
export type EmailTemplate = { subject: string; html: string; text: string };

function html(lang: string, t: { greeting: string; intro: string; button: string; note: string; regards: string; footer: string; unsubscribe: string }): string {
  return `<!DOCTYPE html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ shop }}</title></head>
<body style="margin:0;padding:0;background:#f5f5f4;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f5f4;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1c1917;">
<tr><td style="padding:32px 32px 8px;">
<p style="margin:0 0 16px;">${t.greeting}</p>
<p style="margin:0 0 24px;">${t.intro}</p>
<p style="margin:0 0 24px;"><a href="{{ review_url }}" style="display:inline-block;padding:12px 24px;background:#1c1917;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">${t.button}</a></p>
<p style="margin:0 0 24px;color:#57534e;font-size:14px;">${t.note}</p>
<p style="margin:0 0 24px;">${t.regards}<br>{{ shop }}</p>
</td></tr>
<tr><td style="padding:16px 32px 32px;border-top:1px solid #e7e5e4;color:#78716c;font-size:12px;">
${t.footer} <a href="{{ unsubscribe_url }}" style="color:#78716c;">${t.unsubscribe}</a>
</td></tr>
</table>
</td></tr></table>
</body>
</html>
`;
}

export const defaultTemplates: Record<'en' | 'de', EmailTemplate> = {
  en: {
    subject: 'How was your order from {{ shop }}?',
    html: html('en', {
      greeting: 'Hello {{ first_name }},',
      intro: 'thank you for shopping at {{ shop }}. How was your experience? Tell us about it in a short review: it helps other customers decide and helps us improve.',
      button: 'Write a review',
      note: 'It takes about a minute and needs no account.',
      regards: 'Kind regards,',
      footer: 'You receive this email because you ordered from {{ shop }}.',
      unsubscribe: 'Unsubscribe from review invitations',
    }),
    text: `Hello {{ first_name }},

thank you for shopping at {{ shop }}. How was your experience? Tell us about it in a short review: it helps other customers decide and helps us improve.

Write a review: {{ review_url }}

It takes about a minute and needs no account.

Kind regards,
{{ shop }}

--
You receive this email because you ordered from {{ shop }}.
Unsubscribe from review invitations: {{ unsubscribe_url }}
`,
  },
  de: {
    subject: 'Wie war Ihre Bestellung bei {{ shop }}?',
    html: html('de', {
      greeting: 'Hallo {{ first_name }},',
      intro: 'vielen Dank für Ihren Einkauf bei {{ shop }}. Wie war Ihre Erfahrung? Erzählen Sie uns davon in einer kurzen Bewertung: Sie hilft anderen bei der Entscheidung und uns, besser zu werden.',
      button: 'Bewertung schreiben',
      note: 'Das dauert etwa eine Minute, ein Konto brauchen Sie nicht.',
      regards: 'Viele Grüße',
      footer: 'Sie erhalten diese E-Mail, weil Sie bei {{ shop }} bestellt haben.',
      unsubscribe: 'Keine Bewertungseinladungen mehr erhalten',
    }),
    text: `Hallo {{ first_name }},

vielen Dank für Ihren Einkauf bei {{ shop }}. Wie war Ihre Erfahrung? Erzählen Sie uns davon in einer kurzen Bewertung: Sie hilft anderen bei der Entscheidung und uns, besser zu werden.

Bewertung schreiben: {{ review_url }}

Das dauert etwa eine Minute, ein Konto brauchen Sie nicht.

Viele Grüße
{{ shop }}

--
Sie erhalten diese E-Mail, weil Sie bei {{ shop }} bestellt haben.
Keine Bewertungseinladungen mehr erhalten: {{ unsubscribe_url }}
`,
  },
};

/** `de-AT` → German, anything unknown → English. */
export function pickDefaultTemplate(locale: string | null): EmailTemplate {
  const language = (locale ?? 'en').split('-')[0]!.toLowerCase();
  return language === 'de' ? defaultTemplates.de : defaultTemplates.en;
}
