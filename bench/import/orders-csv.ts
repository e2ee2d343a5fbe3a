/**
 * Order import files of any size for the import benchmark and the memory test, written as a stream
 * (the generator never holds the file either). Row n is deterministic: the same n gives the same
 * order, so a file can be regenerated instead of kept. Orders are completed (they schedule an
 * invitation under the default campaign), over 20 stores, with 1-3 line items as a JSON cell.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const ordersCsvHeader = 'order_ref,store,status,email,first_name,last_name,customer_group,locale,country,placed_at,status_changed_at,currency,total,items';

export function orderCsvLine(n: number, base: Date): string {
  const placed = new Date(base.getTime() + n * 1000);
  const changed = new Date(placed.getTime() + 86_400_000);
  const lines = 1 + (n % 3);
  const items = Array.from({ length: lines }, (_, i) => ({ sku: `SKU-${(n + i) % 5000}`, name: `Product ${(n + i) % 5000} in a longer descriptive name`, quantity: 1 + (i % 2), price: 9.5 + i }));
  const total = items.reduce((sum, i) => sum + i.quantity * i.price, 0).toFixed(2);
  const cells = [
    `IMP-${n}`, `store-${n % 20}`, 'completed', `customer${n}@example${n % 100}.com`, `First${n % 997}`, `Last${n % 1009}`,
    n % 10 === 0 ? 'wholesale' : 'retail', 'de-DE', 'DE', placed.toISOString(), changed.toISOString(), 'EUR', total,
    `"${JSON.stringify(items).replace(/"/g, '""')}"`,
  ];
  return cells.join(',');
}

/** Writes rows 1..count to `path`; returns the file size in bytes. */
export async function writeOrdersCsv(path: string, count: number, base: Date): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${ordersCsvHeader}\n`);
  let chunk = '';
  for (let n = 1; n <= count; n++) {
    chunk += `${orderCsvLine(n, base)}\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return bytes;
}
