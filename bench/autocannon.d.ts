/** The part of autocannon 8's programmatic API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p2_5: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
  }

  export interface Result {
    title?: string;
    url: string;
    /** Seconds. */
    duration: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
    latency: Histogram;
    requests: Histogram & { sent: number };
    throughput: Histogram;
  }

  export interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    amount?: number;
    timeout?: number;
    pipelining?: number;
    method?: string;
    title?: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    expectBody?: string;
    verifyBody?: (body: string) => boolean;
    /** Requests in turn, each connection cycling through them. */
    requests?: RequestSpec[];
    /** Requests per second in all, over every connection. */
    overallRate?: number;
    connectionRate?: number;
    ignoreCoordinatedOmission?: boolean;
    setupClient?: (client: Client) => void;
  }

  export interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }

  export interface RequestSpec extends RequestParams {
    /** Builds each request as it is about to be written. */
    setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams | undefined;
    onResponse?: (
      status: number,
      body: string,
      context: Record<string, unknown>,
      headers: Record<string, string | string[]>,
    ) => void;
  }

  export interface Instance extends PromiseLike<Result> {
    stop(): void;
    on(event: 'reqError', listener: (error: Error) => void): this;
  }

  /** One connection. */
  export interface Client {
    reqsMade: number;
    /** Emitted right before the next request is built (setupRequest) and written. */
    on(event: 'request', listener: () => void): this;
    /** The headers of a response, as a flat [name, value, …] list. */
    on(event: 'headers', listener: (info: { headers?: string[] }) => void): this;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
