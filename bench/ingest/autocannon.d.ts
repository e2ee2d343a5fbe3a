/** The part of autocannon 9's programmatic API the ingest benchmark uses (the package ships no types). */
declare module 'autocannon' {
  type Request = { method?: string; path?: string; headers?: Record<string, string>; body?: string; setupRequest?: (req: Request, context: unknown) => Request };
  type Options = { url: string; connections?: number; duration?: number; amount?: number; pipelining?: number; timeout?: number; requests?: Request[] };
  type Histogram = { average: number; p50: number; p99: number; max: number };
  type Result = { '2xx': number; non2xx: number; errors: number; timeouts: number; duration: number; start: Date; finish: Date; latency: Histogram; requests: Histogram };
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
