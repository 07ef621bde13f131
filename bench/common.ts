/**
 * Small shared helpers of the benchmark and the soak run: settings from the environment, a
 * keep-alive HTTP client for 127.0.0.1, a seeded PRNG, free ports and progress logging.
 */
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { createServer } from 'node:net';
import { inspect } from 'node:util';

const started = Date.now();

/** Progress line with the elapsed time since the script started. */
export function log(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[bench ${seconds}s] ${message}\n`);
}

/** A loud line: red when the terminal shows colours. */
export function warn(message: string): void {
  const text = process.stdout.isTTY ? `\x1b[31m${message}\x1b[0m` : message;
  process.stdout.write(`[bench] !!! ${text}\n`);
}

export function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`${name}=${raw} must be a number >= ${min}`);
  }
  return Math.floor(value);
}

export function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`${name}=${raw} must be a comma-separated list of positive integers`);
  }
  return values;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** sfc32: small, fast and good enough; the same seed gives the same catalog on every run. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Picks from weighted items in O(log n). */
export class Weighted<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    let sum = 0;
    for (const weight of weights) {
      sum += weight;
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  pick(random: Random): T {
    const target = random.next() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.cumulative[middle] > target) high = middle;
      else low = middle + 1;
    }
    return this.items[low];
  }
}

/** Zipf-like weights 1/(rank+1)^s. */
export const zipf = (count: number, s = 1): number[] =>
  Array.from({ length: count }, (_, rank) => 1 / Math.pow(rank + 1, s));

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A keep-alive client for the benchmark's own sequential and seeding requests. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets = 64,
  ) {
    const url = new URL(baseUrl);
    if (url.hostname !== '127.0.0.1') throw new Error(`refusing to send traffic to ${baseUrl}`);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    timeoutMs = 30_000,
    retry = true,
  ): Promise<HttpResponse> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const idempotent = method === 'GET' || method === 'HEAD';
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload && {
              'content-type': 'application/json',
              'content-length': String(payload.length),
            }),
            ...headers,
          },
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${path} timed out`)));
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        // The server closes a keep-alive socket idle for its keepAliveTimeout (Node's 5 s), and
        // may do so just as it is reused, e.g. for a /metrics read right after a 5 s run: a read
        // is sent again, on a fresh socket, as Node's documentation advises.
        if (outgoing.reusedSocket && error.code === 'ECONNRESET' && idempotent && retry) {
          resolve(this.request(method, path, body, headers, timeoutMs, false));
        } else reject(error);
      });
      outgoing.end(payload);
    });
  }

  async json<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: T }> {
    const response = await this.request(method, path, body);
    let data: T;
    try {
      data = (response.body === '' ? undefined : JSON.parse(response.body)) as T;
    } catch {
      throw new Error(`${method} ${path}: ${response.status} with a body that is not JSON`);
    }
    return { status: response.status, data };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight; stops at the first error. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(inspect(failed));
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * Sums the samples of a Prometheus metric in a text exposition: of all label sets, or of those
 * with every one of `labels`.
 */
export function sumMetric(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let sum = 0;
  let found = false;
  const wanted = Object.entries(labels).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (wanted.length > 0) {
      const labelText = rest[0] === '{' ? rest.slice(1, rest.lastIndexOf('}')) : '';
      if (!wanted.every((label) => labelText.split(',').includes(label))) continue;
    }
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) {
      sum += value;
      found = true;
    }
  }
  return found ? sum : undefined;
}

/** Stops everything a script started, once, in reverse order. */
export class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<unknown> }> = [];
  private running: Promise<void> | undefined;

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        await step.run().catch((error: unknown) => warn(`cleanup: ${step.name}: ${String(error)}`));
      }
    })();
    return this.running;
  }
}

/** `url` with its credentials hidden. */
export const redacted = (url: string) => url.replace(/\/\/[^@/]*@/, '//…@');

/** The command that reproduces this run: its BENCH_* settings (credentials hidden), then `script`. */
export function commandLine(script: string): string {
  const overrides = Object.entries(process.env)
    .filter(([key]) => key.startsWith('BENCH_') && key !== 'BENCH_DATABASE_URL')
    .map(([key, value = '']) => `${key}=${redacted(value)}`)
    .sort();
  if (process.env.BENCH_DATABASE_URL) overrides.push('BENCH_DATABASE_URL=…');
  return [...overrides, `npm run ${script}`].join(' ');
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  postgres: string;
  /** 1, 5 and 15 minute load averages before the benchmark started anything. */
  loadAverageBefore: number[];
}

/** What the figures were measured on; `postgres` is the server's version() text. */
export function machineInfo(postgres: string, loadBefore: number[]): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    postgres: postgres.split(',')[0],
    loadAverageBefore: loadBefore.map((value) => Number(value.toFixed(2))),
  };
}

/**
 * The start of a benchmark: warns when other processes already load the CPUs, and stops
 * everything `cleanup` holds once `timeoutSeconds` have passed. Answers the load averages before
 * anything started, and the watchdog to clear once the measurements are done.
 */
export function startRun(
  timeoutSeconds: number,
  cleanup: Cleanup,
): { loadBefore: number[]; watchdog: NodeJS.Timeout } {
  const loadBefore = loadavg();
  if (loadBefore[0] > 0.5) {
    warn(
      `load average ${loadBefore.map((value) => value.toFixed(2)).join(' ')} before the start: ` +
        'other processes are using the CPUs, and the figures will show it',
    );
  }
  const watchdog = setTimeout(() => {
    warn(`the benchmark exceeded BENCH_TIMEOUT=${timeoutSeconds} s: stopping`);
    void cleanup.run().finally(() => process.exit(1));
  }, timeoutSeconds * 1000);
  watchdog.unref();
  return { loadBefore, watchdog };
}

/** Runs a benchmark script's `main`; SIGINT, SIGTERM or a failure stop everything it started. */
export function runScript(name: string, cleanup: Cleanup, main: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      warn(`${signal}: stopping`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
  main().catch(async (error: unknown) => {
    warn(
      `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    await cleanup.run();
    process.exit(1);
  });
}
