/**
 * The queue grid's keyset cursor: the sort, its direction and the last row's (sort value, id), as
 * opaque base64url JSON. Clients pass it back unchanged; it is not a secret (it names nothing the
 * caller cannot list) and every value in it is checked, because it comes back from outside.
 */
import { AppError } from '../errors.ts';

export const gridSorts = ['scheduled_at', 'created_at', 'sent_at', 'id'] as const;
export type GridSort = (typeof gridSorts)[number];
export type GridOrder = 'asc' | 'desc';

export type GridCursor = {
  sort: GridSort;
  order: GridOrder;
  /**
   * The last row's sort value: a UTC timestamp with microseconds (what PostgreSQL stores — a
   * millisecond Date would skip rows inside the same millisecond), or null for an unsent row under
   * sort=sent_at. Absent for sort=id.
   */
  value?: string | null;
  id: number;
};

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeGridCursor(cursor: GridCursor): string {
  const value = cursor.sort === 'id' ? [] : [cursor.value ?? null];
  return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.id, ...value])).toString('base64url');
}

function invalid(message: string): AppError {
  return new AppError('validation_failed', `cursor ${message}`, { fields: [{ field: 'cursor', message }] });
}

/** The cursor, which must have been made for the same sort and direction as the request. */
export function decodeGridCursor(text: string, sort: GridSort, order: GridOrder): GridCursor {
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]{1,400}$/.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) throw invalid('is not a cursor this API returned');
  const [s, o, id, value] = parsed as unknown[];
  if (s !== sort || o !== order) throw invalid(`was made for sort=${String(s)} order=${String(o)}; repeat that sort or start without a cursor`);
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw invalid('is not a cursor this API returned');
  if (sort === 'id') return { sort, order, id };
  const nullable = sort === 'sent_at';
  if (!((typeof value === 'string' && TIMESTAMP.test(value)) || (nullable && value === null))) throw invalid('is not a cursor this API returned');
  return { sort, order, id, value: value as string | null };
}
