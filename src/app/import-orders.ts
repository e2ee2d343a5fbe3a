/**
 * Bulk import of orders (CSV or JSON lines), streamed: rows are read as they are written,
 * CHUNK_ROWS at a time, so a file of a million rows needs the memory of two chunks (one being written,
 * the next being read). Every chunk goes through recordOrders — the same checks, history, customer
 * profile and scheduling as orders from the API, in one transaction per chunk. A broken row is
 * reported with its line number and the rest is imported; re-running the same file changes nothing
 * twice (orders upsert, invitations are one per order).
 *
 * Every row has an outcome, in file order: `onOutcome` receives each one as its chunk commits (the
 * report keeps totals and the first MAX_LISTED_ERRORS errors), so a caller can stream all of them
 * (POST /api/v1/orders/import?outcomes=all, `review-invites import --outcomes <file>`) without
 * holding them. Backfill imports past orders and their history without scheduling anything. Dry run
 * reads and checks every row (store time zones included) and writes nothing.
 */
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError, type FieldError } from '../errors.ts';
import { checkOrderInput } from './check-order-input.ts';
import { importRowInput, rowFieldName } from './import-row.ts';
import type { AppDeps } from './ports.ts';
import { byteCounter, readImportRows, type ImportFormat, type ImportRow } from './read-import-rows.ts';
import { isUnstorableValue, recordOrders, type RecordOrderOutcome } from './record-orders.ts';
import { resolveOrderDates } from './resolve-order-dates.ts';

export type ImportOptions = {
  format: ImportFormat;
  /** Store past orders without inviting anyone. */
  backfill?: boolean;
  /** Check every row, write nothing. */
  dryRun?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /** Every row's outcome, in file order; awaited, so a slow consumer slows the import instead of piling up outcomes. */
  onOutcome?: (outcome: ImportRowOutcome) => void | Promise<void>;
};

export type ImportProgress = { rows: number; bytes: number; errors: number };

export type ImportRowError = { line: number; order_ref: string | null; message: string; fields?: FieldError[] };

/** One row's fate: `valid` only in a dry run. */
export type ImportRowOutcome =
  | {
      line: number;
      order_ref: string;
      outcome: 'created' | 'updated';
      order_id: number;
      /** Invitations this row scheduled. */
      invitations: { id: number; campaign: string; scheduled_at: string }[];
      not_scheduled: { campaign: string; reason_code: string }[];
      skipped: { id: number; campaign: string; reason_code: string }[];
    }
  | { line: number; order_ref: string | null; outcome: 'valid' }
  | ({ outcome: 'error' } & ImportRowError);

export type ImportReport = {
  format: ImportFormat;
  dry_run: boolean;
  backfill: boolean;
  /** Data rows read (the CSV header and blank lines not counted). */
  rows: number;
  /** Rows that passed every check (in a dry run: would be imported). */
  valid: number;
  /** Orders created. */
  imported: number;
  /** Orders that existed and were updated. */
  updated: number;
  invitations_created: number;
  /** Pending invitations withdrawn because their order was cancelled, refunded or failed. */
  invitations_skipped: number;
  /** Why campaigns did not invite, by reason code (duplicate: the order already had its invitation). */
  not_scheduled: Record<string, number>;
  errors: number;
  /** The first MAX_LISTED_ERRORS errors, in file order. */
  error_rows: ImportRowError[];
};

/** Rows per transaction: large enough that a chunk's fixed statements cost nothing per row, small enough to hold. */
export const CHUNK_ROWS = 1000;
export const MAX_LISTED_ERRORS = 1000;

type RowFailure = { orderRef: unknown; message: string; fields?: FieldError[] };
/** Rows wait in their chunk in file order, unreadable ones too, so outcomes come out in file order. */
type Pending = { line: number; input: ReturnType<typeof importRowInput> } | { line: number; failure: RowFailure };

export async function importOrders(deps: AppDeps, tenantId: number, source: Readable, options: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = {
    format: options.format, dry_run: options.dryRun === true, backfill: options.backfill === true, rows: 0, valid: 0, imported: 0, updated: 0,
    invitations_created: 0, invitations_skipped: 0, not_scheduled: {}, errors: 0, error_rows: [],
  };
  let bytes = 0;
  const counter = byteCounter((n) => {
    bytes = n;
  });
  source.on('error', (err) => counter.destroy(err));
  source.pipe(counter);
  const emit = async (outcome: ImportRowOutcome) => {
    if (outcome.outcome === 'error') {
      report.errors++;
      if (report.error_rows.length < MAX_LISTED_ERRORS) {
        const { outcome: _, ...error } = outcome;
        report.error_rows.push(error);
      }
    } else report.valid++;
    if (options.onOutcome) await options.onOutcome(outcome);
  };
  const zones = new Map<string, string | null>();
  // One chunk is written while the next is read: the database and the parser work at the same time.
  let writing: Promise<void> = Promise.resolve();
  const flush = async (rows: Pending[]) => {
    // Never two writes at once: chunks commit in file order, so a row sees every row above it.
    await writing;
    writing = (async () => {
      if (options.dryRun) await checkChunk(deps, tenantId, rows, zones, emit);
      else await tallyChunk(rows, await recordChunk(deps, tenantId, rows, options.backfill === true), report, emit);
      options.onProgress?.({ rows: report.rows, bytes, errors: report.errors });
    })();
    // Surfaced at the next flush or at the end; until then it must not count as unhandled.
    writing.catch(() => {});
  };

  try {
    let chunk: Pending[] = [];
    for await (const row of readImportRows(counter, options.format) as AsyncGenerator<ImportRow>) {
      report.rows++;
      if ('error' in row) chunk.push({ line: row.line, failure: { orderRef: row.orderRef ?? null, message: `line ${row.line} ${row.error}` } });
      else {
        const input = importRowInput(row.record, options.format);
        if ('error' in input) {
          chunk.push({ line: row.line, failure: { orderRef: row.record.order_ref, message: `line ${row.line}: ${input.error.field} ${input.error.message}`, fields: [input.error] } });
        } else chunk.push({ line: row.line, input });
      }
      if (chunk.length >= CHUNK_ROWS) {
        await flush(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await flush(chunk);
    await writing;
  } finally {
    // Stopped early (a bad header, a lost database): let go of the file.
    source.destroy();
  }
  return report;
}

function describe(line: number, fields: FieldError[]): string {
  return `line ${line}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`;
}

function orderRefOf(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** The chunk's readable rows in one recordOrders call. */
async function recordChunk(deps: AppDeps, tenantId: number, rows: Pending[], backfill: boolean): Promise<RecordOrderOutcome[]> {
  const inputs = rows.flatMap((r) => ('input' in r && !('error' in r.input) ? [r.input.input] : []));
  return recordOrders(deps, tenantId, inputs, { schedule: !backfill });
}

async function tallyChunk(rows: Pending[], results: RecordOrderOutcome[], report: ImportReport, emit: (o: ImportRowOutcome) => Promise<void>): Promise<void> {
  let k = 0;
  for (const row of rows) {
    if ('failure' in row) {
      await emit({ outcome: 'error', line: row.line, order_ref: orderRefOf(row.failure.orderRef), message: row.failure.message, ...(row.failure.fields ? { fields: row.failure.fields } : {}) });
      continue;
    }
    const { line, input } = row;
    if ('error' in input) continue;
    const outcome = results[k++]!;
    if (!outcome.ok) {
      const fields = rowError(outcome.error);
      const named = fields.map((f) => ({ field: rowFieldName(f.field, input.flat), message: f.message }));
      await emit({ outcome: 'error', line, order_ref: orderRefOf(input.input.order_ref), message: describe(line, named), fields: named });
      continue;
    }
    const r = outcome.result;
    if (r.created) report.imported++;
    else report.updated++;
    const made = r.invitations.filter((i) => i.new);
    report.invitations_created += made.length;
    report.invitations_skipped += r.skipped.length;
    for (const n of r.not_scheduled) report.not_scheduled[n.reason_code] = (report.not_scheduled[n.reason_code] ?? 0) + 1;
    await emit({
      line,
      order_ref: r.order.order_ref,
      outcome: r.created ? 'created' : 'updated',
      order_id: r.order.id,
      invitations: made.map((i) => ({ id: i.id, campaign: i.campaign, scheduled_at: i.scheduled_at })),
      not_scheduled: r.not_scheduled.map((n) => ({ campaign: n.campaign, reason_code: n.reason_code })),
      skipped: r.skipped.map((s) => ({ id: s.id, campaign: s.campaign, reason_code: s.reason_code })),
    });
  }
}

/** What a refused row's outcome says: its field errors, or why the database could not store a value. */
function rowError(err: unknown): FieldError[] {
  if (err instanceof AppError && err.status < 500) return err.fields ?? [{ field: 'row', message: err.message }];
  if (isUnstorableValue(err)) return [{ field: 'row', message: `cannot be stored: ${(err as Error).message}` }];
  // recordOrders returns no other errors per row: anything else failed the whole chunk and stopped the import.
  throw err;
}

/** The dry run: recordOrders' checks without its writes. Store time zones are read once per code. */
async function checkChunk(deps: AppDeps, tenantId: number, rows: Pending[], zones: Map<string, string | null>, emit: (o: ImportRowOutcome) => Promise<void>): Promise<void> {
  const now = deps.clock.now();
  const checked = rows.map((row) => ({ row, check: 'failure' in row || 'error' in row.input ? undefined : checkOrderInput(row.input.input) }));
  const unknown = [...new Set(checked.flatMap((c) => (c.check?.ok && !zones.has(c.check.value.storeCode) ? [c.check.value.storeCode] : [])))];
  if (unknown.length > 0) await loadZones(deps.db, tenantId, unknown, zones);
  for (const { row, check } of checked) {
    if ('failure' in row) {
      await emit({ outcome: 'error', line: row.line, order_ref: orderRefOf(row.failure.orderRef), message: row.failure.message, ...(row.failure.fields ? { fields: row.failure.fields } : {}) });
      continue;
    }
    const { line, input } = row;
    if ('error' in input || check === undefined) continue;
    const fields = check.ok ? resolveOrderDates(check.value, zones.get(check.value.storeCode) ?? null, now) : check;
    if (fields.ok) {
      await emit({ line, order_ref: orderRefOf(input.input.order_ref), outcome: 'valid' });
      continue;
    }
    const named = fields.fields.map((f) => ({ field: rowFieldName(f.field, input.flat), message: f.message }));
    await emit({ outcome: 'error', line, order_ref: orderRefOf(input.input.order_ref), message: describe(line, named), fields: named });
  }
}

async function loadZones(db: Kysely<Database>, tenantId: number, codes: string[], zones: Map<string, string | null>): Promise<void> {
  const rows = await db.selectFrom('stores').select(['code', 'timezone']).where('tenant_id', '=', tenantId).where('code', 'in', codes).execute();
  for (const code of codes) zones.set(code, rows.find((r) => r.code === code)?.timezone ?? null);
}
