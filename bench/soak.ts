/**
 * `npm run soak`: the production build on a fresh embedded database, a small catalog, then a
 * mixed load (reads, searches, writes, revalidations and invalid requests) for SOAK_SECONDS,
 * sampling the service's memory every SOAK_SAMPLE_SECONDS. Writes bench/results/soak.json and
 * soak.md.
 *
 * Settings (environment): SOAK_SECONDS (180), SOAK_CONNECTIONS (32), SOAK_PRODUCTS (2000),
 * SOAK_CATEGORIES (200), SOAK_SAMPLE_SECONDS (10), BENCH_SEED (42), BENCH_POOL_SIZE (10),
 * BENCH_DATABASE_URL (a server to create a fresh database on, instead of embedded PostgreSQL).
 */
import { join } from 'node:path';
import { envInt, HttpClient, log, Random, sumMetric, warn } from './common';
import { Context, LoadResult, Program, runLoad, Step, StepRequest } from './load';
import { RAW_RESULTS, readLog, RESULTS, RssSampler, startService } from './processes';
import { writeFormatted } from './report';
import { catalogFacts, planCatalog, seedCatalog } from './seed';

/** One sampling window: RSS at its end, and the used heap's range over 1-second polls. */
interface Sample {
  atSeconds: number;
  rssBytes?: number;
  /** The lowest used heap in the window: after a collection, so its trend is what leaks show in. */
  heapUsedMinBytes?: number;
  heapUsedMaxBytes?: number;
  heapTotalBytes?: number;
  eventLoopLagSeconds?: number;
}

interface KindTally {
  expected: number[];
  statuses: Record<string, number>;
  unexpected: number;
}

async function main(): Promise<void> {
  const seconds = envInt('SOAK_SECONDS', 180, 1);
  const connections = envInt('SOAK_CONNECTIONS', 32, 1);
  const products = envInt('SOAK_PRODUCTS', 2000, 1);
  const categories = envInt('SOAK_CATEGORIES', 200, 1);
  const sampleSeconds = envInt('SOAK_SAMPLE_SECONDS', 10, 1);
  const seed = envInt('BENCH_SEED', 42);
  const poolSize = envInt('BENCH_POOL_SIZE', envInt('DB_POOL_SIZE', 10, 1), 1);
  const startedAt = Date.now();
  const watchdog = setTimeout(
    () => {
      warn('the soak run exceeded its time limit: stopping');
      void stopAll().finally(() => process.exit(1));
    },
    (seconds + 300 + products / 50) * 1000,
  );
  watchdog.unref();

  log(
    `soak: ${seconds} s at ${connections} connections on ${products} products, ${categories} categories`,
  );
  const service = await startService({
    poolSize,
    externalUrl: process.env.BENCH_DATABASE_URL?.trim() || undefined,
  });
  const client = new HttpClient(service.url, 40);
  const rss = new RssSampler(service.pid);
  let exitCode: number | null = null;
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    client.close();
    exitCode = await service.stop();
    await service.cleanup();
    log(`service stopped with exit code ${exitCode}`);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }

  try {
    const seeded = await seedCatalog(client, planCatalog(products, categories, seed), 32);
    const facts = catalogFacts(seeded);
    const searchPath = `/api/v1/products/search?q=${encodeURIComponent(facts.commonWord)}`;
    const first = await client.request('GET', searchPath);
    const etag = typeof first.headers.etag === 'string' ? first.headers.etag : undefined;
    log(etag ? `revalidating with ETag ${etag}` : 'the service sends no ETag: plain GETs instead');

    const random = new Random(seed + 2);
    let counter = 0;
    const ids = facts.productIds;
    const tallies = new Map<string, KindTally>();
    const step = (
      kind: string,
      expected: number[],
      request: Step['request'],
      onResponse?: Step['onResponse'],
    ): Step => {
      const tally: KindTally = { expected, statuses: {}, unexpected: 0 };
      tallies.set(kind, tally);
      return {
        kind,
        request,
        onResponse: (status, body, context) => {
          tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
          if (!expected.includes(status)) tally.unexpected++;
          onResponse?.(status, body, context);
        },
      };
    };
    const get = (path: string, headers?: Record<string, string>): StepRequest => ({
      method: 'GET',
      path,
      ...(headers && { headers }),
    });
    const created = (context: Context) =>
      typeof context.created === 'number' ? context.created : 999_999_999_999;
    const program: Program = {
      steps: [
        step('get by id', [200], () => get(`/api/v1/products/${ids[random.int(ids.length)]}`)),
        step('search', [200], get(searchPath)),
        step('list', [200], () => get(`/api/v1/products?limit=20&offset=${random.int(50) * 20}`)),
        step(
          'combined search',
          [200],
          get(
            `/api/v1/products/search?q=${encodeURIComponent(facts.commonWord)}&min_price=10&max_price=900&category_id=${facts.rootId}`,
          ),
        ),
        // Writes change the catalog all the time, so a revalidation is a 304 or a fresh 200.
        step('revalidate', [200, 304], get(searchPath, etag ? { 'if-none-match': etag } : {})),
        step(
          'create',
          [201],
          () => ({
            method: 'POST',
            path: '/api/v1/products',
            body: JSON.stringify({
              title: `Soak probe ${++counter}`,
              sku: `SOAK-${startedAt.toString(36).toUpperCase()}-${counter}`,
              price: '12.34',
              category_id: facts.categoryIds[random.int(facts.categoryIds.length)] ?? null,
            }),
          }),
          (status, body, context) => {
            if (status !== 201) return;
            try {
              context.created = (JSON.parse(body) as { id: number }).id;
            } catch {
              // the patch and delete of this cycle then answer 404, counted as unexpected
            }
          },
        ),
        step('patch', [200], (context) => ({
          method: 'PATCH',
          path: `/api/v1/products/${created(context)}`,
          body: JSON.stringify({ price: '43.21', description: 'Patched by the soak run.' }),
        })),
        step('invalid id', [422], get('/api/v1/products/abc')),
        step('invalid price range', [422], get('/api/v1/products/search?min_price=5&max_price=1')),
        step('invalid body', [422], {
          method: 'POST',
          path: '/api/v1/products',
          body: JSON.stringify({ title: 'x', sku: 'bad sku!', price: 'abc' }),
        }),
        step('missing product', [404], get('/api/v1/products/999999999999')),
        step('delete', [204], (context) => ({
          method: 'DELETE',
          path: `/api/v1/products/${created(context)}`,
        })),
      ],
      ok: (status) => status < 500,
    };

    const samples: Sample[] = [];
    const loadStart = Date.now();
    let window: number[] = [];
    let lastMetrics = '';
    const poll = async () => {
      lastMetrics = await client
        .request('GET', '/metrics', undefined, {}, 5_000)
        .then((response) => response.body)
        .catch(() => '');
      const used = sumMetric(lastMetrics, 'nodejs_heap_size_used_bytes');
      if (used !== undefined) window.push(used);
    };
    const closeWindow = () => {
      const entry: Sample = {
        atSeconds: Math.round((Date.now() - loadStart) / 1000),
        rssBytes: rss.current(),
        heapUsedMinBytes: window.length ? Math.min(...window) : undefined,
        heapUsedMaxBytes: window.length ? Math.max(...window) : undefined,
        heapTotalBytes: sumMetric(lastMetrics, 'nodejs_heap_size_total_bytes'),
        eventLoopLagSeconds: sumMetric(lastMetrics, 'nodejs_eventloop_lag_seconds'),
      };
      window = [];
      samples.push(entry);
      log(
        `  t=${entry.atSeconds}s RSS ${mib(entry.rssBytes)}, heap used ${mib(entry.heapUsedMinBytes)}..${mib(entry.heapUsedMaxBytes)} of ${mib(entry.heapTotalBytes)}`,
      );
    };
    await poll();
    closeWindow();
    let polls = 0;
    const timer = setInterval(() => {
      void poll().then(() => {
        if (++polls % sampleSeconds === 0) closeWindow();
      });
    }, 1000);
    log(`mixed load for ${seconds} s`);
    let result: LoadResult;
    try {
      result = await runLoad(service.url, program, connections, seconds);
    } finally {
      clearInterval(timer);
    }
    await poll();
    // A short last window would make a single poll look like a floor: fold it into the previous one.
    const previous = samples[samples.length - 1];
    if (window.length >= sampleSeconds / 2 || samples.length < 2) closeWindow();
    else {
      previous.heapUsedMinBytes = Math.min(previous.heapUsedMinBytes ?? Infinity, ...window);
      previous.heapUsedMaxBytes = Math.max(previous.heapUsedMaxBytes ?? 0, ...window);
      previous.rssBytes = rss.current() ?? previous.rssBytes;
      window = [];
    }

    const status5xx = Object.entries(result.statuses)
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, count]) => sum + count, 0);
    const status4xx = Object.entries(result.statuses)
      .filter(([status]) => Number(status) >= 400 && Number(status) < 500)
      .reduce((sum, [, count]) => sum + count, 0);
    const unexpected = [...tallies.values()].reduce((sum, tally) => sum + tally.unexpected, 0);
    const serviceLog = readLog(service.logFile);
    const highWaterMark = rss.highWaterMark();
    await stopAll();

    const start = samples[0];
    const end = samples[samples.length - 1];
    // The first third is warm-up (JIT, pools, caches); growth of the heap floor after it is suspect.
    const settled = samples[Math.max(1, Math.floor(samples.length / 3))] ?? start;
    const growth = (from?: number, to?: number) =>
      from && to ? Number(((to / from - 1) * 100).toFixed(1)) : null;
    const report = {
      date: new Date().toISOString(),
      command: `SOAK_SECONDS=${seconds} npm run soak`,
      settings: { seconds, connections, products, categories, sampleSeconds, poolSize, seed },
      requests: result.requests,
      rps: Number(result.rps.toFixed(1)),
      latencyMs: result.latency,
      statuses: result.statuses,
      status5xx,
      status4xx,
      unexpectedStatuses: unexpected,
      connectionErrors: result.socketErrors,
      timeouts: result.timeouts,
      kinds: Object.fromEntries(tallies),
      memory: {
        start,
        end,
        settled,
        rssGrowthPercent: growth(start.rssBytes, end.rssBytes),
        heapFloorGrowthAfterWarmupPercent: growth(settled.heapUsedMinBytes, end.heapUsedMinBytes),
        rssHighWaterMarkBytes: highWaterMark,
      },
      samples,
      service: {
        exitCode,
        errorLines: (serviceLog.match(/"level":(50|60|"error"|"fatal")/g) ?? []).length,
      },
      ok: status5xx === 0 && unexpected === 0 && result.socketErrors === 0 && result.timeouts === 0,
      totalSeconds: (Date.now() - startedAt) / 1000,
    };
    await writeFormatted(join(RAW_RESULTS, 'soak.json'), JSON.stringify(report, null, 2));
    await writeFormatted(join(RESULTS, 'soak.md'), soakMarkdown(report));
    log(
      `${result.requests} requests (${result.rps.toFixed(0)}/s): ${status5xx} 5xx, ${status4xx} 4xx ` +
        `(${unexpected} unexpected statuses), ${result.socketErrors} connection errors, ${result.timeouts} timeouts`,
    );
    log(
      `RSS ${mib(start.rssBytes)} -> ${mib(end.rssBytes)}; heap floor after warm-up ` +
        `${mib(settled.heapUsedMinBytes)} -> ${mib(end.heapUsedMinBytes)}`,
    );
    log('wrote bench/results/soak.md and raw/soak.json');
    if (!report.ok) {
      warn('the soak run saw server errors, unexpected statuses or connection errors');
      process.exitCode = 1;
    }
    if (exitCode !== 0) {
      warn(`the service exited with ${exitCode} after SIGTERM`);
      process.exitCode = 1;
    }
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
}

const mib = (bytes: number | undefined) =>
  bytes === undefined ? '—' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function soakMarkdown(report: {
  date: string;
  command: string;
  settings: Record<string, number>;
  requests: number;
  rps: number;
  latencyMs: LoadResult['latency'];
  statuses: Record<string, number>;
  status5xx: number;
  status4xx: number;
  unexpectedStatuses: number;
  connectionErrors: number;
  timeouts: number;
  kinds: Record<string, KindTally>;
  memory: {
    start: Sample;
    end: Sample;
    settled: Sample;
    rssGrowthPercent: number | null;
    heapFloorGrowthAfterWarmupPercent: number | null;
    rssHighWaterMarkBytes?: number;
  };
  samples: Sample[];
  service: { exitCode: number | null; errorLines: number };
  ok: boolean;
}): string {
  const lines = [
    '# Soak run',
    '',
    `${report.date} · \`${report.command}\` · ${report.settings.seconds} s at ${report.settings.connections} connections, ` +
      `${report.settings.products} products, ${report.settings.categories} categories.`,
    '',
    `**${report.ok ? 'Clean' : 'NOT clean'}**: ${report.requests} requests (${report.rps}/s), ` +
      `**${report.status5xx} 5xx**, ${report.status4xx} 4xx (expected from the invalid requests), ` +
      `${report.unexpectedStatuses} unexpected statuses, ${report.connectionErrors} connection errors, ${report.timeouts} timeouts. ` +
      `Latency p50 ${report.latencyMs.p50.toFixed(1)} / p95 ${report.latencyMs.p95.toFixed(1)} / p99 ${report.latencyMs.p99.toFixed(1)} ms.`,
    '',
    `Memory: RSS ${mib(report.memory.start.rssBytes)} → ${mib(report.memory.end.rssBytes)} ` +
      `(${report.memory.rssGrowthPercent}%), high-water mark ${mib(report.memory.rssHighWaterMarkBytes)}. ` +
      `Heap floor (lowest used heap in a window, i.e. after a collection) from t=${report.memory.settled.atSeconds}s ` +
      `${mib(report.memory.settled.heapUsedMinBytes)} → end ${mib(report.memory.end.heapUsedMinBytes)} ` +
      `(${report.memory.heapFloorGrowthAfterWarmupPercent}%). Service exit code after SIGTERM: ${report.service.exitCode}; ` +
      `${report.service.errorLines} error log lines.`,
    '',
    '| request | expected | statuses | unexpected |',
    '|---|---|---|---:|',
    ...Object.entries(report.kinds).map(
      ([kind, tally]) =>
        `| ${kind} | ${tally.expected.join(', ')} | ${Object.entries(tally.statuses)
          .map(([status, count]) => `${status}×${count}`)
          .join(', ')} | ${tally.unexpected} |`,
    ),
    '',
    '| t (s) | RSS | heap used (min..max) | heap total | event-loop lag (ms) |',
    '|---:|---:|---:|---:|---:|',
    ...report.samples.map(
      (entry) =>
        `| ${entry.atSeconds} | ${mib(entry.rssBytes)} | ${mib(entry.heapUsedMinBytes)}..${mib(entry.heapUsedMaxBytes)} | ` +
        `${mib(entry.heapTotalBytes)} | ` +
        `${entry.eventLoopLagSeconds === undefined ? '—' : (entry.eventLoopLagSeconds * 1000).toFixed(1)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  warn(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
