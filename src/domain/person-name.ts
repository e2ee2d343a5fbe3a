/**
 * Customer names personalise emails and reach a header (the To display name): they must never carry
 * line breaks or control characters, and stay short enough to fold safely.
 */
export const MAX_NAME_LENGTH = 200;

export type NameCheck = { ok: true; name: string; firstName: string; lastName: string | null } | { ok: false; message: string };

export function checkPersonName(input: unknown): NameCheck {
  if (typeof input !== 'string') return { ok: false, message: 'must be a string' };
  if (/\p{Cs}/u.test(input)) return { ok: false, message: 'must be valid Unicode text (it holds an unpaired surrogate)' };
  if (/[\p{Cc}\u2028\u2029]/u.test(input)) return { ok: false, message: 'must not contain line breaks or control characters' };
  const name = input.normalize('NFC').trim().replace(/\s+/gu, ' ');
  if (name.length === 0) return { ok: false, message: 'must not be empty' };
  // Characters as people count them (code points): an emoji is one, not two UTF-16 units.
  if ([...name].length > MAX_NAME_LENGTH) return { ok: false, message: `must be at most ${MAX_NAME_LENGTH} characters` };
  const space = name.indexOf(' ');
  return space < 0
    ? { ok: true, name, firstName: name, lastName: null }
    : { ok: true, name, firstName: name.slice(0, space), lastName: name.slice(space + 1) };
}
