/** Every benchmark `npm run bench` knows, in the order it runs them. A new benchmark = its folder + one line here. */
import type { Bench } from './bench-result.ts';
import { emailBench } from './email/email-bench.ts';
import { footprintBench } from './footprint/footprint-bench.ts';
import { gridBench } from './grid/grid-bench.ts';
import { importBench } from './import/import-bench.ts';
import { ingestBench } from './ingest/ingest-bench.ts';
import { lagBench } from './lag/lag-bench.ts';
import { queueBench } from './queue/queue-bench.ts';

export const benches: Bench[] = [gridBench, footprintBench, queueBench, lagBench, emailBench, ingestBench, importBench];
