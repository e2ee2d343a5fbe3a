/**
 * CSV (RFC 4180) records from a byte stream, in file order, each with the lines it spans — or, for a
 * record that cannot be read, an error naming the line it starts on, after which reading goes on at
 * the next line. Memory holds one record (at most MAX_RECORD_CHARS), whatever the file size.
 *
 * A record spans lines only while a quoted cell is open. A stray quote would otherwise swallow the
 * rest of the file (a parser reading to the end for its closing quote, then blaming the last line):
 * here a record that spans lines is accepted only when it parses cleanly and has the header's number
 * of cells; otherwise its first line is reported as broken and the lines after it are read again as
 * records of their own. `cells` (the header's count, once known) lets the caller say what "has the
 * header's number of cells" means.
 */
import { StringDecoder } from 'node:string_decoder';

export type CsvRecord = { line: number; endLine: number; cells: string[] } | { line: number; error: string };

export const MAX_RECORD_CHARS = 1_000_000;

type Line = { n: number; text: string; tooLong?: true };

export async function* readCsvRecords(input: AsyncIterable<Buffer | string>, expectedCells: () => number | undefined): AsyncGenerator<CsvRecord> {
  const lines = physicalLines(input);
  /** Lines to read again after a broken multi-line record, before reading on. */
  const again: Line[] = [];
  const next = async (): Promise<Line | undefined> => again.shift() ?? (await lines.next()).value ?? undefined;
  const tooLong = `cannot be read as CSV: longer than ${MAX_RECORD_CHARS} characters`;

  for (let first = await next(); first !== undefined; first = await next()) {
    if (first.tooLong) {
      yield { line: first.n, error: tooLong };
      continue;
    }
    if (first.text === '') continue;
    let quotes = quoteCount(first.text);
    if (quotes % 2 === 0) {
      const cells = parseRecord(first.text);
      yield typeof cells === 'string' ? { line: first.n, error: `cannot be read as CSV: ${cells}` } : { line: first.n, endLine: first.n, cells };
      continue;
    }
    // A quoted cell runs over the line end: gather lines until it closes.
    const span: Line[] = [first];
    let length = first.text.length;
    let broken: string | undefined;
    while (quotes % 2 === 1) {
      const more = await next();
      if (more === undefined) {
        broken = 'a quoted cell is not closed before the end of the file';
        break;
      }
      span.push(more);
      length += more.text.length + 1;
      if (more.tooLong || length > MAX_RECORD_CHARS) {
        broken = `a quoted cell is not closed within ${MAX_RECORD_CHARS} characters`;
        break;
      }
      quotes += quoteCount(more.text);
    }
    const cells = broken ?? parseRecord(span.map((l) => l.text).join('\n'));
    const want = expectedCells();
    if (typeof cells !== 'string' && (want === undefined || cells.length === want)) {
      yield { line: first.n, endLine: span[span.length - 1]!.n, cells };
      continue;
    }
    const why = typeof cells === 'string' ? cells : `the quote opened on this line makes a record of ${cells.length} cells over ${span.length} lines; the header has ${want}`;
    yield { line: first.n, error: `cannot be read as CSV: ${why}` };
    again.unshift(...span.slice(1));
  }
}

/** The file's lines (LF or CRLF; a UTF-8 BOM dropped), numbered from 1; an over-long line is skipped, never buffered. */
async function* physicalLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let n = 0;
  let skipping = false;
  const line = (text: string): Line => {
    n++;
    if (text.length > MAX_RECORD_CHARS + 1) return { n, text: '', tooLong: true };
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    return { n, text: n === 1 && t.startsWith('\uFEFF') ? t.slice(1) : t };
  };
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (skipping) {
        skipping = false;
        n++;
        yield { n, text: '', tooLong: true };
      } else yield line(carry + text.slice(start, nl));
      carry = '';
      start = nl + 1;
    }
    if (!skipping) {
      carry += text.slice(start);
      if (carry.length > MAX_RECORD_CHARS) {
        carry = '';
        skipping = true;
      }
    }
  }
  const rest = carry + decoder.end();
  if (skipping) {
    n++;
    yield { n, text: '', tooLong: true };
  } else if (rest !== '') yield line(rest);
}

function quoteCount(text: string): number {
  let count = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) count++;
  return count;
}

/** One record's cells, or why it is malformed (a quote inside an unquoted cell, text after a closing quote). */
export function parseRecord(text: string): string[] | string {
  if (!text.includes('"')) return text.split(',');
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return `a quoted cell is not closed (cell ${cells.length + 1})`;
        if (text[q + 1] === '"') {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      cells.push(value);
      if (i === text.length) return cells;
      if (text[i] !== ',') return `unexpected text after the closing quote of cell ${cells.length}`;
      i++;
      if (i === text.length) {
        cells.push('');
        return cells;
      }
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      const value = text.slice(i, end);
      if (value.includes('"')) return `a quote inside unquoted cell ${cells.length + 1}: quote the whole cell and double the quotes in it`;
      cells.push(value);
      if (comma < 0) return cells;
      i = comma + 1;
      if (i === text.length) {
        cells.push('');
        return cells;
      }
    }
  }
}
