/**
 * Email addresses as the service accepts them: one plain addr-spec (no display name, no list, no
 * comments, no quoted local parts, no IP literals), with a dotted domain. Anything that could smuggle
 * a header, a second recipient or an SMTP parameter is refused. Validation by `validator`'s isEmail.
 */
import { domainToASCII } from 'node:url';
import validator from 'validator';

const MAX_LENGTH = 254;

export type EmailCheck = { ok: true; email: string; norm: string } | { ok: false; message: string };

export function checkEmailAddress(input: unknown): EmailCheck {
  if (typeof input !== 'string') return { ok: false, message: 'must be a string' };
  if (input.length === 0) return { ok: false, message: 'must not be empty' };
  if (input.length > MAX_LENGTH) return { ok: false, message: `must be at most ${MAX_LENGTH} characters` };
  // A lone UTF-16 surrogate is no text at all (and makes isEmail's encodeURI throw).
  if (/\p{Cs}/u.test(input)) return { ok: false, message: 'must be valid Unicode text (it holds an unpaired surrogate)' };
  // Whitespace and control characters (CR/LF header injection, tabs, NUL) are never part of an address.
  if (/[\s\p{Cc}\p{Cf}]/u.test(input)) return { ok: false, message: 'must not contain spaces or control characters' };
  if (/["()<>,;:\\[\]]/.test(input)) return { ok: false, message: 'must be a plain address like jane@example.com' };
  const at = input.lastIndexOf('@');
  if (at <= 0 || at === input.length - 1) return { ok: false, message: 'is not an email address' };
  const local = input.slice(0, at);
  const domain = input.slice(at + 1);
  const asciiDomain = domainToASCII(domain.toLowerCase());
  if (asciiDomain === '' || asciiDomain.endsWith('.')) return { ok: false, message: 'has an invalid domain' };
  const ascii = `${local}@${asciiDomain}`;
  const valid = validator.isEmail(ascii, {
    allow_display_name: false,
    require_tld: true,
    allow_ip_domain: false,
    allow_utf8_local_part: true,
    domain_specific_validation: false,
  });
  if (!valid) return { ok: false, message: 'is not an email address' };
  return { ok: true, email: input, norm: normalizeEmail(local, asciiDomain) };
}

/** The key for dedupe and suppression: case-folded, NFC, punycode domain. */
function normalizeEmail(local: string, asciiDomain: string): string {
  return `${local.normalize('NFC').toLowerCase()}@${asciiDomain}`;
}

/** For callers that already hold a validated address. */
export function emailNorm(email: string): string {
  const check = checkEmailAddress(email);
  return check.ok ? check.norm : email.trim().toLowerCase();
}
