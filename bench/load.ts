/**
 * Load programs (a cycle of requests, like autocannon's `requests`) and the two ways to drive
 * one: autocannon for a fixed time, or a few sequential requests to count SQL statements and to
 * verify answers.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { HttpClient, HttpResponse, percentile } from './common';

export type Context = Record<string, unknown>;

export interface StepRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface Step {
  /** Latencies are also reported per kind when a program has several. */
  kind: string;
  /** A fixed request, or one built per request from the connection's context. */
  request: StepRequest | ((context: Context) => StepRequest);
  onResponse?: (status: number, body: string, context: Context) => void;
}

export interface Program {
  steps: Step[];
  /** Statuses that count as success; by default 2xx and 3xx. */
  ok?: (status: number) => boolean;
}

export interface Latency {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  /** Mean responses per second over the run. */
  rps: number;
  ok: number;
  /** Error responses (not ok statuses) plus connection errors and timeouts. */
  errors: number;
  socketErrors: number;
  timeouts: number;
  statuses: Record<string, number>;
  latency: Latency;
  kinds?: Record<string, Latency & { count: number }>;
  /** Every response time (ms), in arrival order: only when runLoad was asked to keep them. */
  responseTimes?: Float64Array;
}

export interface LoadOptions {
  /** Keep every response time on the result, e.g. to merge the histograms of parallel runs. */
  keepResponseTimes?: boolean;
}

const defaultOk = (status: number) => status >= 200 && status < 400;
const JSON_HEADERS = { 'content-type': 'application/json' };

class Samples {
  private values = new Float64Array(1 << 14);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  /** A copy of the samples so far. */
  copy(): Float64Array {
    return this.values.slice(0, this.length);
  }

  summary(): Latency {
    return latencyOf(this.copy());
  }
}

/** Mean, percentiles and maximum of response times in ms (sorts `values` in place). */
export function latencyOf(values: Float64Array): Latency {
  const sorted = values.sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

const requestOf = (step: Step, context: Context): StepRequest =>
  typeof step.request === 'function' ? step.request(context) : step.request;

/** Drives `program` against `baseUrl` with autocannon for `seconds`. */
export function runLoad(
  baseUrl: string,
  program: Program,
  connections: number,
  seconds: number,
  options: LoadOptions = {},
): Promise<LoadResult> {
  if (new URL(baseUrl).hostname !== '127.0.0.1') throw new Error(`refusing ${baseUrl}`);
  const ok = program.ok ?? defaultOk;
  const perKind = new Set(program.steps.map((step) => step.kind)).size > 1;
  const kindSamples = new Map<string, Samples>();
  const requests: autocannon.Request[] = program.steps.map((step) => {
    const dynamic = typeof step.request === 'function' || perKind;
    const fixed = typeof step.request === 'function' ? undefined : step.request;
    const request: autocannon.Request = fixed
      ? {
          method: fixed.method,
          path: fixed.path,
          body: fixed.body,
          headers: { ...(fixed.body && JSON_HEADERS), ...fixed.headers },
        }
      : {};
    if (dynamic) {
      request.setupRequest = (defaults, context) => {
        const built = requestOf(step, context as Context);
        if (perKind) (context as Context).sentAt = performance.now();
        return {
          ...defaults,
          method: built.method,
          path: built.path,
          body: built.body ?? '',
          headers: { ...(built.body && JSON_HEADERS), ...built.headers },
        };
      };
    }
    if (step.onResponse || perKind) {
      request.onResponse = (status, body, context) => {
        if (perKind) {
          const sentAt = (context as Context).sentAt;
          if (typeof sentAt === 'number') {
            let samples = kindSamples.get(step.kind);
            if (!samples) kindSamples.set(step.kind, (samples = new Samples()));
            samples.push(performance.now() - sentAt);
          }
        }
        step.onResponse?.(status, body, context as Context);
      };
    }
    return request;
  });

  const samples = new Samples();
  const statuses: Record<string, number> = {};
  let good = 0;
  let bad = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests,
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const elapsed = result.duration || seconds;
        const kinds: Record<string, Latency & { count: number }> = {};
        for (const [kind, kindSample] of kindSamples) {
          kinds[kind] = { count: kindSample.length, ...kindSample.summary() };
        }
        resolve({
          connections,
          seconds: elapsed,
          requests: samples.length,
          rps: samples.length / elapsed,
          ok: good,
          errors: bad + result.errors,
          socketErrors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          statuses,
          latency: samples.summary(),
          ...(perKind && { kinds }),
          ...(options.keepResponseTimes && { responseTimes: samples.copy() }),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      samples.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (ok(statusCode)) good++;
      else bad++;
    });
  });
}

/**
 * Sends `count` requests of `program` one after the other (each step in turn), awaiting
 * `beforeEach` (if given) before each.
 */
export async function runSequential(
  client: HttpClient,
  program: Program,
  count: number,
  beforeEach?: (step: Step) => Promise<void>,
): Promise<{ statuses: Record<string, number>; last?: HttpResponse }> {
  const statuses: Record<string, number> = {};
  let context: Context = {};
  let last: HttpResponse | undefined;
  for (let i = 0; i < count; i++) {
    const index = i % program.steps.length;
    if (index === 0) context = {};
    const step = program.steps[index];
    await beforeEach?.(step);
    const request = requestOf(step, context);
    const body = request.body === undefined ? undefined : (JSON.parse(request.body) as unknown);
    last = await client.request(request.method, request.path, body, request.headers ?? {});
    statuses[last.status] = (statuses[last.status] ?? 0) + 1;
    step.onResponse?.(last.status, last.body, context);
  }
  return { statuses, last };
}
