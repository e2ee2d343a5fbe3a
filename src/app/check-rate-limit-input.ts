/**
 * What PUT/DELETE /api/v1/rate-limits/:key accept: a key that is a channel's (a typo must not pass
 * silently as a budget nobody applies), and a whole budget in range. One list names every bad field.
 */
import { maxCountRange, windowSecondsRange } from '../domain/rate-limit.ts';
import type { FieldError } from '../errors.ts';
import type { RateKeys } from './list-rate-limits.ts';

export function checkRateLimitInput(channels: Pick<RateKeys, 'ids'>, key: string, body?: Record<string, unknown>): FieldError[] {
  const fields: FieldError[] = [];
  const ids = channels.ids();
  if (!ids.includes(key)) fields.push({ field: 'key', message: `must be one of ${ids.join(', ')}` });
  if (body === undefined) return fields;
  const ranges = { max_count: maxCountRange, window_seconds: windowSecondsRange };
  for (const [field, { min, max }] of Object.entries(ranges)) {
    const value = body[field];
    if (value === undefined) fields.push({ field, message: 'is required' });
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fields.push({ field, message: `must be an integer from ${min} to ${max}` });
    }
  }
  return fields;
}
