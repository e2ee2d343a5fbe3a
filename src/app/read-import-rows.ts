/**
 * The rows of an import file, one at a time, with the line each ends on: CSV (RFC 4180, header row
 * first, UTF-8 with or without BOM) or JSON lines. Pulled by async iteration, so reading waits while
 * rows are written and memory holds one record, whatever the file size. A row that cannot be read
 * (a broken quote, a wrong number of cells, a line that is not JSON) comes out as an error row and
 * reading goes on.
 */
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { validationError } from '../errors.ts';
import { checkImportHeader } from './import-row.ts';
import { unpairedSurrogateFields, unpairedSurrogateMessage } from './unpaired-surrogate-fields.ts';

export const importFormats = ['csv', 'jsonl'] as const;
export type ImportFormat = (typeof importFormats)[number];

export type ImportRow = { line: number; record: Record<string, unknown> } | { line: number; error: string; orderRef?: string | undefined };

/** A record longer than this is refused, not buffered: a runaway quote cannot eat the memory. */
const MAX_RECORD_CHARS = 1_000_000;

/** Counts the bytes read so far (for progress), passing them on unchanged. */
export function byteCounter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

export function readImportRows(input: Readable, format: ImportFormat): AsyncGenerator<ImportRow> {
  return format === 'csv' ? readCsv(input) : readJsonLines(input);
}

async function* readCsv(input: Readable): AsyncGenerator<ImportRow> {
  const skipped: ImportRow[] = [];
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    on_skip: (err: CsvError | undefined) => {
      const line = typeof err?.lines === 'number' ? err.lines : 0;
      skipped.push({ line, error: `cannot be read as CSV: ${err?.message ?? 'malformed'}` });
      return undefined;
    },
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let header: string[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield* skipped.splice(0);
    if (header === undefined) {
      header = record.map((h) => h.trim().toLowerCase());
      const problems = checkImportHeader(header);
      if (problems.length > 0) {
        parser.destroy();
        throw validationError(problems.map((p) => ({ field: `header.${p.field}`, message: p.message })));
      }
      continue;
    }
    if (record.length !== header.length) {
      yield { line: info.lines, error: `has ${record.length} cells; the header has ${header.length}`, orderRef: record[header.indexOf('order_ref')] };
      continue;
    }
    const row: Record<string, unknown> = {};
    header.forEach((column, i) => {
      row[column] = record[i];
    });
    yield { line: info.lines, record: row };
  }
  yield* skipped.splice(0);
  if (header === undefined) throw validationError([{ field: 'header', message: 'the file is empty: the first line must name the columns' }]);
}

async function* readJsonLines(input: Readable): AsyncGenerator<ImportRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const text = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    if (text.length > MAX_RECORD_CHARS) {
      yield { line: n, error: `is longer than ${MAX_RECORD_CHARS} characters` };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line: n, error: 'is not valid JSON' };
      continue;
    }
    const broken = unpairedSurrogateFields(value, text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) yield { line: n, error: 'must be a JSON object (one order per line)' };
    else if (broken.length > 0) yield { line: n, error: `${broken.join(', ')}: ${unpairedSurrogateMessage}` };
    else yield { line: n, record: value as Record<string, unknown> };
  }
}
