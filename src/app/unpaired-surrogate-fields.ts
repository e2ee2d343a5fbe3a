/**
 * JSON may spell a lone UTF-16 surrogate (`"\ud800"`), which is no Unicode text: stored, it turns into
 * U+FFFD; handed to an address parser, it throws. Inputs naming one are refused with the field that
 * carries it. The scan of the raw text keeps the common case (no `\ud8..`-`\udf..` escape at all) free.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;
const LONE_SURROGATE = /\p{Cs}/u;

/** Paths (`customer.email`, `items[2].name`) of the strings in `value` that hold a lone surrogate. */
export function unpairedSurrogateFields(value: unknown, rawJson?: string): string[] {
  if (rawJson !== undefined && !SURROGATE_ESCAPE.test(rawJson)) return [];
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) found.push(path || '(body)');
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        const at = path ? `${path}.${key}` : key;
        if (LONE_SURROGATE.test(key)) found.push(at);
        else walk(item, at);
      }
    }
  };
  walk(value, '');
  return found;
}

export const unpairedSurrogateMessage = 'contains an unpaired UTF-16 surrogate (\\ud800-\\udfff): send valid Unicode text';
