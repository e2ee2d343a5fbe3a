/**
 * A campaign's email template overrides ({subject?, html?, text?}, Liquid): refused at save time when
 * they do not parse, so a typo is a 400 for the person editing, not a failed send days later. Parsed
 * with the email renderer's strictness (unknown filters and tags are errors); variables are only known
 * when rendering, so they are left to the channel.
 */
import { Liquid } from 'liquidjs';
import type { FieldError } from '../errors.ts';

export type CampaignTemplate = { subject?: string; html?: string; text?: string };

const PARTS = { subject: 1000, html: 100_000, text: 100_000 } as const;
const engine = new Liquid({ templates: {}, strictFilters: true, strictVariables: true, parseLimit: 200_000 });

export function checkTemplate(input: unknown, field = 'template'): { ok: true; value: CampaignTemplate } | { ok: false; fields: FieldError[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, fields: [{ field, message: 'must be an object like {"subject": "...", "html": "...", "text": "..."}' }] };
  const fields: FieldError[] = [];
  const value: CampaignTemplate = {};
  for (const [key, part] of Object.entries(input)) {
    const at = `${field}.${key}`;
    if (!Object.hasOwn(PARTS, key)) {
      fields.push({ field: at, message: 'is not a known field' });
      continue;
    }
    if (part === null || part === undefined || part === '') continue;
    const max = PARTS[key as keyof typeof PARTS];
    if (typeof part !== 'string' || part.length > max) {
      fields.push({ field: at, message: `must be a Liquid template of at most ${max} characters` });
      continue;
    }
    try {
      engine.parse(part);
      value[key as keyof CampaignTemplate] = part;
    } catch (err) {
      fields.push({ field: at, message: `is not a valid Liquid template: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return fields.length > 0 ? { ok: false, fields } : { ok: true, value };
}
