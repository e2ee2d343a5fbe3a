/**
 * Every word the customer-facing pages say, in one place: English, and German for invitations whose
 * locale starts with "de". Plain, kind wording; the pages never guess at the customer's opinion.
 */
export type PageLanguage = 'en' | 'de';

export type PageStrings = {
  lang: PageLanguage;
  review: {
    pageTitle: (shop: string) => string;
    greeting: (firstName: string | null) => string;
    intro: (shop: string) => string;
    ratingLegend: string;
    required: string;
    stars: (n: number) => string;
    starWords: readonly [string, string, string, string, string];
    titleLabel: string;
    textLabel: string;
    optional: string;
    submit: string;
    moderationNote: string;
    errorSummary: string;
    problems: {
      rating_required: string;
      title_too_long: (max: number) => string;
      title_invalid_characters: string;
      text_too_long: (max: number) => string;
      text_invalid_characters: string;
    };
    thanksTitle: string;
    thanksText: (shop: string) => string;
    alreadyTitle: string;
    alreadyText: (shop: string) => string;
    expiredTitle: string;
    expiredText: string;
  };
  unsubscribe: {
    pageTitle: string;
    question: (shop: string, maskedEmail: string) => string;
    confirmHint: string;
    button: string;
    doneTitle: string;
    doneText: (shop: string, maskedEmail: string) => string;
    invalidTitle: string;
    invalidText: string;
  };
};

const en: PageStrings = {
  lang: 'en',
  review: {
    pageTitle: (shop) => `Review your order from ${shop}`,
    greeting: (firstName) => (firstName ? `Hi ${firstName},` : 'Hello,'),
    intro: (shop) => `How was your order from ${shop}? Your honest review helps other customers and the shop.`,
    ratingLegend: 'Your rating',
    required: 'required',
    stars: (n) => (n === 1 ? '1 star' : `${n} stars`),
    starWords: ['poor', 'fair', 'good', 'very good', 'excellent'],
    titleLabel: 'Title',
    textLabel: 'Your review',
    optional: 'optional',
    submit: 'Send review',
    moderationNote: 'Reviews are checked before they are published. Only your first name and the initial of your last name are shown with it.',
    errorSummary: 'Please check your review:',
    problems: {
      rating_required: 'Please choose a rating from 1 to 5 stars.',
      title_too_long: (max) => `Please keep the title to ${max} characters or fewer.`,
      title_invalid_characters: 'The title contains characters we cannot accept, such as line breaks.',
      text_too_long: (max) => `Please keep your review to ${max} characters or fewer.`,
      text_invalid_characters: 'Your review contains characters we cannot accept.',
    },
    thanksTitle: 'Thank you for your review!',
    thanksText: (shop) => `We have received your review for ${shop}. It will appear once it has been checked.`,
    alreadyTitle: 'We already received your review',
    alreadyText: (shop) => `Thank you, you have already reviewed this order from ${shop}. Each order can be reviewed once.`,
    expiredTitle: 'This review link has expired',
    expiredText: 'Review links are valid for a limited time, and this one can no longer be used. Thank you for wanting to share your experience.',
  },
  unsubscribe: {
    pageTitle: 'Stop review requests',
    question: (shop, email) => `Do you want to stop receiving review requests from ${shop} at ${email}?`,
    confirmHint: 'Please confirm with the button below.',
    button: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    doneText: (shop, email) => `${shop} will not send review requests to ${email} any more.`,
    invalidTitle: 'This link is not valid',
    invalidText: 'The link may be incomplete. Please use the unsubscribe link in the email you received, or contact the shop directly.',
  },
};

const de: PageStrings = {
  lang: 'de',
  review: {
    pageTitle: (shop) => `Bewerten Sie Ihre Bestellung bei ${shop}`,
    greeting: (firstName) => (firstName ? `Hallo ${firstName},` : 'Hallo,'),
    intro: (shop) => `wie war Ihre Bestellung bei ${shop}? Ihre ehrliche Bewertung hilft anderen Kundinnen und Kunden und dem Shop.`,
    ratingLegend: 'Ihre Bewertung',
    required: 'Pflichtfeld',
    stars: (n) => (n === 1 ? '1 Stern' : `${n} Sterne`),
    starWords: ['schlecht', 'mäßig', 'gut', 'sehr gut', 'ausgezeichnet'],
    titleLabel: 'Überschrift',
    textLabel: 'Ihr Erfahrungsbericht',
    optional: 'optional',
    submit: 'Bewertung senden',
    moderationNote: 'Bewertungen werden vor der Veröffentlichung geprüft. Angezeigt werden nur Ihr Vorname und der erste Buchstabe Ihres Nachnamens.',
    errorSummary: 'Bitte prüfen Sie Ihre Angaben:',
    problems: {
      rating_required: 'Bitte wählen Sie eine Bewertung von 1 bis 5 Sternen.',
      title_too_long: (max) => `Die Überschrift darf höchstens ${max} Zeichen lang sein.`,
      title_invalid_characters: 'Die Überschrift enthält Zeichen, die wir nicht annehmen können, etwa Zeilenumbrüche.',
      text_too_long: (max) => `Ihr Text darf höchstens ${max} Zeichen lang sein.`,
      text_invalid_characters: 'Ihr Text enthält Zeichen, die wir nicht annehmen können.',
    },
    thanksTitle: 'Vielen Dank für Ihre Bewertung!',
    thanksText: (shop) => `Wir haben Ihre Bewertung für ${shop} erhalten. Sie erscheint, sobald sie geprüft wurde.`,
    alreadyTitle: 'Ihre Bewertung liegt uns bereits vor',
    alreadyText: (shop) => `Vielen Dank, Sie haben diese Bestellung bei ${shop} bereits bewertet. Jede Bestellung kann einmal bewertet werden.`,
    expiredTitle: 'Dieser Bewertungslink ist abgelaufen',
    expiredText: 'Bewertungslinks sind nur begrenzt gültig, und dieser kann nicht mehr verwendet werden. Danke, dass Sie Ihre Erfahrung teilen wollten.',
  },
  unsubscribe: {
    pageTitle: 'Keine Bewertungsanfragen mehr',
    question: (shop, email) => `Möchten Sie keine Bewertungsanfragen von ${shop} mehr an ${email} erhalten?`,
    confirmHint: 'Bitte bestätigen Sie mit der Schaltfläche unten.',
    button: 'Abmelden',
    doneTitle: 'Sie sind abgemeldet',
    doneText: (shop, email) => `${shop} sendet keine Bewertungsanfragen mehr an ${email}.`,
    invalidTitle: 'Dieser Link ist ungültig',
    invalidText: 'Der Link ist möglicherweise unvollständig. Bitte verwenden Sie den Abmeldelink aus der erhaltenen E-Mail oder wenden Sie sich direkt an den Shop.',
  },
};

/** The invitation's locale decides (`de`, `de-AT`, ... → German); everything else is English. */
export function pageStrings(locale: string | null | undefined): PageStrings {
  return locale && /^de(?:[-_]|$)/i.test(locale) ? de : en;
}

/**
 * For pages that must not reveal anything about the invitation (invalid and expired links look the
 * same), the language comes from the browser's Accept-Language instead of the invitation.
 */
export function pageStringsForBrowser(acceptLanguage: string | undefined): PageStrings {
  let best: { lang: PageLanguage; q: number } | undefined;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 20)) {
    const [tag = '', ...params] = part.trim().split(';');
    const lang = tag.trim().toLowerCase().split('-')[0];
    if (lang !== 'en' && lang !== 'de') continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(q) && q > 0 && (best === undefined || q > best.q)) best = { lang, q };
  }
  return best?.lang === 'de' ? de : en;
}
