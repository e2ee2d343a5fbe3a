/**
 * The queue grid as CSV (RFC 4180, CRLF), every row the filter matches, read page by page so a
 * million rows cost one page of memory. The filter is checked before the first byte is produced, so
 * a bad filter is still a 400 and not a half-written download.
 *
 * Cells are customer-supplied (names, emails, order refs) and the file is opened in spreadsheets:
 * a cell starting with = + - @ tab or CR would run as a formula, so it gets a leading apostrophe
 * (OWASP "CSV injection"), which spreadsheets show as text.
 */
import { DEFAULT_ORDER, DEFAULT_SORT, readGridPages, type InvitationGridRow } from './list-invitations.ts';
import type { GridOrder, GridSort } from './grid-cursor.ts';
import { resolveInvitationFilter, type InvitationFilterInput } from './invitation-filter.ts';
import type { AppDeps } from './ports.ts';

export const csvColumns = [
  'id', 'order_ref', 'store', 'first_name', 'last_name', 'email', 'order_date', 'campaign', 'scheduled_at', 'sent_at',
  'review_url', 'status', 'reason_code', 'destination', 'channel', 'attempts', 'last_error', 'created_at',
] as const satisfies readonly (keyof InvitationGridRow)[];

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export type CsvExportInput = { filter: InvitationFilterInput; sort?: GridSort | undefined; order?: GridOrder | undefined };

/** Checks the filter, then returns the CSV text as a lazy sequence of chunks (one per page). */
export async function exportInvitationsCsv(deps: Pick<AppDeps, 'db' | 'clock' | 'links' | 'publicUrl'>, tenantId: number, input: CsvExportInput): Promise<AsyncGenerator<string>> {
  const filter = await resolveInvitationFilter(deps.db, tenantId, input.filter);
  const sort = input.sort ?? DEFAULT_SORT;
  const order = input.order ?? DEFAULT_ORDER;
  return (async function* () {
    yield csvLine(csvColumns);
    for await (const rows of readGridPages(deps, tenantId, filter, sort, order)) {
      yield rows.map((r) => csvLine(csvColumns.map((c) => r[c]))).join('');
    }
  })();
}
