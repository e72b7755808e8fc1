// The part of autocannon's programmatic API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  function autocannon(options: autocannon.Options & { skipAggregateResult: true }): Promise<autocannon.RawResult>;
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;

  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds before giving up on a response. */
      timeout?: number;
      /** Requests sent in turn on each connection; `setupRequest` may change each one (e.g. its body). */
      requests?: { setupRequest?: (request: { body?: string | Buffer }) => { body?: string | Buffer } }[];
    }

    interface Histogram {
      average: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      url: string;
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      /** Latency of 2xx responses, in whole milliseconds. */
      latency: Histogram;
      /** Completed requests per one-second sample; `total` is all of them. */
      requests: Histogram;
      /** Bytes per one-second sample; `total` is all of them. */
      throughput: Histogram;
    }

    /** What a run with `skipAggregateResult: true` gives: raw histograms, for `aggregateResult`. */
    interface RawResult {
      /** Seconds. */
      duration: number;
    }

    /** Merges the raw results of several runs (histograms and counters; `duration` is the first run's). */
    function aggregateResult(results: RawResult[], options: { url: string; connections?: number }): Result;
  }

  export = autocannon;
}
