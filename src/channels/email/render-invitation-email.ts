/**
 * Renders an invitation email with LiquidJS. Campaign templates are merchant-editable, so the engine
 * is a sandbox: no file system (an empty in-memory template map answers every include/render/layout),
 * own properties only, strict variables and filters (a typo fails loudly instead of mailing a blank),
 * parse/render/memory limits. The HTML part escapes every output, and `raw` cannot switch that off:
 * customer names and shop names are data, never markup, and never template source.
 */
import { Liquid, type Template } from 'liquidjs';
import type { DeliveryRequest } from '../../app/ports.ts';
import { pickDefaultTemplate, type EmailTemplate } from './default-templates.ts';

export type RenderedEmail = { subject: string; html: string; text: string };

export type EmailRenderer = { render(request: DeliveryRequest): Promise<RenderedEmail> };

const sandbox = {
  templates: {},
  strictFilters: true,
  strictVariables: true,
  lenientIf: true,
  ownPropertyOnly: true,
  parseLimit: 100_000,
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
} as const;

const MAX_CACHED = 200;
const MAX_SUBJECT = 250;

/** The campaign's overrides: any of subject/html/text given as a string replaces the default part. */
function templateFor(request: DeliveryRequest): EmailTemplate {
  const base = pickDefaultTemplate(request.invitation.locale);
  const custom = request.campaign.template;
  const pick = (key: keyof EmailTemplate): string => {
    const value = custom[key];
    return typeof value === 'string' && value.trim() !== '' ? value : base[key];
  };
  return { subject: pick('subject'), html: pick('html'), text: pick('text') };
}

export function createEmailRenderer(): EmailRenderer {
  const text = new Liquid(sandbox);
  const html = new Liquid({ ...sandbox, outputEscape: 'escape' });
  html.registerFilter('raw', (value: unknown) => value);
  const cache = new Map<string, Template[]>();
  const parse = (engine: Liquid, kind: string, source: string): Template[] => {
    const key = `${kind}\0${source}`;
    let parsed = cache.get(key);
    if (!parsed) {
      parsed = engine.parse(source);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(key, parsed);
    }
    return parsed;
  };

  return {
    async render(request) {
      const inv = request.invitation;
      const data = {
        name: inv.name,
        first_name: inv.first_name ?? inv.name,
        last_name: inv.last_name ?? '',
        shop: request.tenant.name,
        order_ref: inv.order_ref,
        review_url: request.reviewUrl,
        unsubscribe_url: request.unsubscribeUrl,
        locale: inv.locale ?? 'en',
      };
      const template = templateFor(request);
      // Synchronous rendering: nothing in a sandboxed template waits for I/O (no file system, no async
      // filters), and the async renderer's promise per tag costs several times the rendering itself.
      const subject = text.renderSync(parse(text, 'text', template.subject), data);
      const htmlBody = html.renderSync(parse(html, 'html', template.html), data);
      const textBody = text.renderSync(parse(text, 'text', template.text), data);
      // A header line: no control characters (CR/LF would end the header), collapsed whitespace.
      const cleanSubject = String(subject).replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_SUBJECT);
      return { subject: cleanSubject, html: String(htmlBody), text: String(textBody) };
    },
  };
}
