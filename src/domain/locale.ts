/** BCP 47-ish language tags as clients send them (`en`, `en-US`, `de_DE`); normalized to `en-US` form. */
export function checkLocale(input: unknown): { ok: true; locale: string } | { ok: false; message: string } {
  if (typeof input !== 'string') return { ok: false, message: 'must be a string' };
  if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$/.test(input)) {
    return { ok: false, message: 'must be a language tag like en or de-DE' };
  }
  const [lang, ...rest] = input.split(/[-_]/);
  const parts = rest.map((p) => (p.length === 2 ? p.toUpperCase() : p.length === 4 ? p[0]!.toUpperCase() + p.slice(1).toLowerCase() : p.toLowerCase()));
  return { ok: true, locale: [lang!.toLowerCase(), ...parts].join('-') };
}
