/**
 * The hosted review form. Works without JavaScript: the stars are radio inputs whose labels CSS
 * paints as stars (`label:has(~ input:checked)` fills every star up to the chosen one), grouped in a
 * fieldset with a legend, each with a spoken label ("4 stars, very good"). On a rejected submission
 * it is rendered again with the customer's own words and the problems next to their fields.
 */
import { REVIEW_TEXT_MAX, REVIEW_TITLE_MAX, type ReviewInput, type ReviewProblems } from '../../app/submit-review.ts';
import type { ReviewLinkPage } from '../../app/open-review-link.ts';
import { html, type SafeHtml } from './html.ts';
import { pageLayout } from './page-layout.ts';
import type { PageStrings } from './page-strings.ts';

export type ReviewFormPageInput = {
  strings: PageStrings;
  page: ReviewLinkPage;
  values?: ReviewInput | undefined;
  problems?: ReviewProblems | undefined;
};

export function reviewFormPage({ strings, page, values = {}, problems = {} }: ReviewFormPageInput): string {
  const t = strings.review;
  const problemText = (field: keyof ReviewProblems): string | undefined => {
    const p = problems[field];
    if (p === undefined) return undefined;
    if (p === 'title_too_long') return t.problems.title_too_long(REVIEW_TITLE_MAX);
    if (p === 'text_too_long') return t.problems.text_too_long(REVIEW_TEXT_MAX);
    return t.problems[p];
  };
  const fieldError = (field: keyof ReviewProblems): SafeHtml | '' => {
    const text = problemText(field);
    return text === undefined ? '' : html`<p class="error" id="${field}-error">${text}</p>`;
  };
  const invalid = (field: keyof ReviewProblems) => (problems[field] ? html` aria-invalid="true" aria-describedby="${field}-error"` : '');
  const firstFieldId = { rating: 'rating-1', title: 'title', text: 'text' } as const;
  const listed = (['rating', 'title', 'text'] as const).filter((f) => problems[f] !== undefined);

  const stars = [1, 2, 3, 4, 5].map((n) => {
    const label = `${t.stars(n)}, ${t.starWords[n - 1]}`;
    return html`<input type="radio" id="rating-${n}" name="rating" value="${n}"${n === 1 ? html` required` : ''}${values.rating === String(n) ? html` checked` : ''}>
<label class="star" for="rating-${n}" title="${label}"><span aria-hidden="true">★</span><span class="sr">${label}</span></label>
`;
  });

  const body = html`<h1>${t.pageTitle(page.tenantName)}</h1>
<p>${t.greeting(page.firstName)}<br>${t.intro(page.tenantName)}</p>
${listed.length > 0 && html`<div class="errors" role="alert"><strong>${t.errorSummary}</strong>
<ul>${listed.map((f) => html`<li><a href="#${firstFieldId[f]}">${problemText(f)}</a></li>`)}</ul></div>`}
<form method="post">
<fieldset${problems.rating ? html` aria-describedby="rating-error"` : ''}>
<legend>${t.ratingLegend} <span class="hint">(${t.required})</span></legend>
<div class="stars">
${stars}</div>
${fieldError('rating')}
</fieldset>
<div class="field">
<label for="title">${t.titleLabel} <span class="hint">(${t.optional})</span></label>
<input type="text" id="title" name="title" maxlength="${REVIEW_TITLE_MAX}" autocomplete="off" value="${values.title ?? ''}"${invalid('title')}>
${fieldError('title')}
</div>
<div class="field">
<label for="text">${t.textLabel} <span class="hint">(${t.optional})</span></label>
<textarea id="text" name="text" rows="7" maxlength="${REVIEW_TEXT_MAX}"${invalid('text')}>
${values.text ?? ''}</textarea>
${fieldError('text')}
</div>
<button type="submit">${t.submit}</button>
</form>
<p class="muted">${t.moderationNote}</p>`;
  return pageLayout({ strings, title: t.pageTitle(page.tenantName), shopName: page.tenantName, body });
}
