/**
 * `npm run bench`: starts the production build on a fresh database, seeds a realistic catalog
 * through the HTTP write path, drives every scenario with autocannon against the service and
 * three floors (the bare NestJS one: reads only), checks that all answer the same, and writes
 * bench/results/.
 *
 * Settings (environment):
 *   BENCH_PRODUCTS (100000), BENCH_CATEGORIES (5000), BENCH_DURATION seconds per run (10),
 *   BENCH_WARMUP seconds before each run (1), BENCH_CONNECTIONS ("16,64"), BENCH_SEED (42),
 *   BENCH_SEED_CONCURRENCY (32), BENCH_SQL_SAMPLES requests per SQL count (40),
 *   BENCH_C500_SECONDS (5; 0 skips), BENCH_C1000_SECONDS (5; 0 skips), BENCH_POOL_SIZE
 *   (DB_POOL_SIZE or 10),
 *   BENCH_DATABASE_URL (a server to create a fresh database on, instead of embedded PostgreSQL),
 *   BENCH_ONLY (comma-separated scenario ids), BENCH_TIMEOUT total seconds (auto).
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import {
  Cleanup,
  commandLine,
  runScript,
  startRun,
  envInt,
  envList,
  HttpClient,
  log,
  machineInfo,
  sumMetric,
  warn,
} from './common';
import { LoadResult, Program, runLoad, runSequential, StepRequest } from './load';
import {
  FloorHandle,
  FloorMode,
  readLog,
  RssSampler,
  ServiceHandle,
  startFloor,
  startService,
} from './processes';
import {
  BenchReport,
  ConnectionCheck,
  consoleTable,
  evaluateTargets,
  Run,
  ScenarioReport,
  readTransfer,
  TARGET_LABELS,
  Verification,
  writeReports,
} from './report';
import {
  buildScenarios,
  isUnsupported,
  Scenario,
  SEARCH_MIX,
  Target,
  TargetName,
} from './scenarios';
import { seedDatabase } from './seed';

const FLOOR_TARGETS: Record<FloorMode, TargetName> = {
  'service-sql': 'floor-sql',
  straightforward: 'floor-naive',
  nest: 'floor-nest',
};

interface Settings {
  products: number;
  categories: number;
  duration: number;
  warmup: number;
  connections: number[];
  seed: number;
  seedConcurrency: number;
  sqlSamples: number;
  c500Seconds: number;
  c1000Seconds: number;
  poolSize: number;
  databaseUrl?: string;
  only?: Set<string>;
  timeoutSeconds: number;
}

function readSettings(): Settings {
  const products = envInt('BENCH_PRODUCTS', 100_000, 1);
  const categories = envInt('BENCH_CATEGORIES', 5_000, 1);
  const duration = envInt('BENCH_DURATION', 10, 1);
  const warmup = envInt('BENCH_WARMUP', 1, 0);
  const connections = envList('BENCH_CONNECTIONS', [16, 64]);
  const c500Seconds = envInt('BENCH_C500_SECONDS', 5, 0);
  const c1000Seconds = envInt('BENCH_C1000_SECONDS', 5, 0);
  const only = process.env.BENCH_ONLY?.trim()
    ? new Set(process.env.BENCH_ONLY.split(',').map((id) => id.trim()))
    : undefined;
  // Seeding at ~500/s, every run (of up to 4 targets), plus a generous margin for start-up and
  // the SQL counts.
  const estimate =
    products / 300 +
    categories / 100 +
    18 * 4 * connections.length * (duration + warmup + 2) +
    c500Seconds +
    c1000Seconds;
  return {
    products,
    categories,
    duration,
    warmup,
    connections,
    seed: envInt('BENCH_SEED', 42),
    seedConcurrency: envInt('BENCH_SEED_CONCURRENCY', 32, 1),
    sqlSamples: envInt('BENCH_SQL_SAMPLES', 40, 1),
    c500Seconds,
    c1000Seconds,
    poolSize: envInt('BENCH_POOL_SIZE', envInt('DB_POOL_SIZE', 10, 1), 1),
    databaseUrl: process.env.BENCH_DATABASE_URL?.trim() || undefined,
    only,
    timeoutSeconds: envInt('BENCH_TIMEOUT', Math.ceil(600 + estimate * 1.5), 60),
  };
}

const cleanup = new Cleanup();

async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = Date.now();
  const { loadBefore, watchdog } = startRun(settings.timeoutSeconds, cleanup);
  log(
    `settings: ${settings.products} products, ${settings.categories} categories, ` +
      `${settings.duration} s per run (+${settings.warmup} s warm-up), connections ${settings.connections.join('/')}, ` +
      `pool ${settings.poolSize}, seed ${settings.seed}, time limit ${settings.timeoutSeconds} s`,
  );

  // 1. The service on a fresh database.
  log(
    settings.databaseUrl
      ? 'starting the service on a fresh database'
      : 'starting the service on a fresh embedded PostgreSQL',
  );
  const service: ServiceHandle = await startService({
    poolSize: settings.poolSize,
    externalUrl: settings.databaseUrl,
  });
  cleanup.add('remove the temporary data', () => service.cleanup());
  let serviceExitCode: number | null = null;
  cleanup.add('stop the service', async () => {
    serviceExitCode = await service.stop();
    log(`service stopped with exit code ${serviceExitCode}`);
  });
  const rss = new RssSampler(service.pid);
  rss.start();
  cleanup.add('stop the RSS sampler', () => Promise.resolve(rss.stop()));
  const serviceClient = new HttpClient(service.url, settings.seedConcurrency + 4);
  cleanup.add('close the client', () => Promise.resolve(serviceClient.close()));

  // 2. The catalog, through the write path.
  const { plan, seeded, facts, postgres, counts } = await seedDatabase(
    serviceClient,
    service.databaseUrl,
    settings,
  );

  // 3. The floors, on the same database.
  const floors: FloorHandle[] = [];
  for (const mode of ['service-sql', 'straightforward', 'nest'] as const) {
    log(`starting floor ${mode}`);
    const floor = await startFloor(mode, service.databaseUrl, settings.poolSize);
    floors.push(floor);
    cleanup.add(`stop floor ${mode}`, () => floor.stop());
  }
  const floorClients = floors.map((floor) => new HttpClient(floor.url, 8));
  cleanup.add('close floor clients', () =>
    Promise.resolve(floorClients.forEach((client) => client.close())),
  );
  const targets: Target[] = [
    {
      name: 'service',
      label: TARGET_LABELS.service,
      url: service.url,
      client: serviceClient,
      statements: async () => {
        const metrics = await serviceClient.request('GET', '/metrics');
        return sumMetric(metrics.body, 'catalog_db_query_duration_seconds_count');
      },
    },
    ...floors.map((floor, index): Target => {
      const name = FLOOR_TARGETS[floor.mode];
      return {
        name,
        label: TARGET_LABELS[name],
        url: floor.url,
        client: floorClients[index],
        statements: async () => {
          const stats = await floorClients[index].json<{ statements: number }>('GET', '/__stats');
          return stats.data.statements;
        },
      };
    }),
  ];

  const deepOffset = Math.min(5000, Math.floor(settings.products / 2 / 20) * 20);
  const scenarios = buildScenarios(facts, {
    deepOffset,
    seed: settings.seed,
    runTag: Date.now().toString(36).toUpperCase(),
  }).filter((scenario) => !settings.only || settings.only.has(scenario.id));
  const reports = new Map<string, ScenarioReport>(
    scenarios.map((scenario) => [
      scenario.id,
      {
        id: scenario.id,
        label: scenario.label,
        group: scenario.group,
        read: scenario.read,
        serviceOnly: scenario.serviceOnly ?? false,
        sqlPerRequest: {},
        sqlMax: scenario.sqlTarget?.max,
        sqlExact: scenario.sqlTarget?.exact,
        runs: {},
      },
    ]),
  );
  // The bare NestJS floor has read routes only.
  const targetsOf = (scenario: Scenario) =>
    targets.filter(
      (target) =>
        (!scenario.serviceOnly || target.name === 'service') &&
        (scenario.read || target.name !== 'floor-nest'),
    );

  // 4. Same answers from every target.
  log('verifying that the service and the floors answer the same');
  const verification = await verify(scenarios, targets);
  for (const check of verification) {
    if (check.ok) log(`  ok ${check.scenario}: ${check.detail}`);
    else warn(`MISMATCH ${check.scenario} ${check.request}: ${check.detail}`);
  }

  // 5. SQL statements per request, by each target's own count.
  log(`counting SQL statements over ${settings.sqlSamples} sequential requests per scenario`);
  for (const scenario of scenarios) {
    const report = reports.get(scenario.id)!;
    for (const target of targetsOf(scenario)) {
      const program = await prepare(scenario, target, report);
      if (!program) {
        if (report.unsupported) break;
        continue;
      }
      const counted = await countStatements(target, program, settings.sqlSamples);
      report.sqlPerRequest[target.name] = counted.perRequest;
      if (counted.kinds) (report.sqlByKind ??= {})[target.name] = counted.kinds;
    }
    const sql = report.sqlPerRequest;
    if (!report.unsupported) {
      const kinds = Object.entries(report.sqlByKind?.service ?? {})
        .map(([kind, value]) => `${kind} ${fmt(value)}`)
        .join(', ');
      log(
        `  ${scenario.id}: service ${fmt(sql.service)}${kinds ? ` (${kinds})` : ''}, floor-sql ${fmt(sql['floor-sql'])}, floor-naive ${fmt(sql['floor-naive'])}, floor-nest ${fmt(sql['floor-nest'])} statements/request`,
      );
    }
  }

  // 6. Load: every read scenario at every connection count first, then the writes, so that no
  // write changes the catalog (or its planner statistics) under a later read scenario.
  const phases = [
    { name: 'reads', scenarios: scenarios.filter((scenario) => scenario.read) },
    { name: 'writes', scenarios: scenarios.filter((scenario) => !scenario.read) },
  ].filter((phase) => phase.scenarios.length > 0);
  for (const phase of phases)
    for (const connections of settings.connections) {
      log(`=== ${phase.name}, ${connections} connections ===`);
      for (const scenario of phase.scenarios) {
        const report = reports.get(scenario.id)!;
        if (report.unsupported) continue;
        const runs: Partial<Record<TargetName, Run>> = (report.runs[connections] = {});
        for (const target of targetsOf(scenario)) {
          const program = await prepare(scenario, target, report);
          if (!program) {
            if (report.unsupported) break;
            continue;
          }
          if (settings.warmup > 0) await runLoad(target.url, program, connections, settings.warmup);
          const cacheBefore =
            target.name === 'service' ? await resultCacheReads(serviceClient) : undefined;
          if (target.name === 'service') rss.takeWindowPeak();
          const result: Run = await runLoad(target.url, program, connections, settings.duration);
          if (target.name === 'service') result.peakRssBytes = rss.takeWindowPeak();
          if (cacheBefore) {
            const after = await resultCacheReads(serviceClient);
            result.resultCache = {
              hits: after.hits - cacheBefore.hits,
              misses: after.misses - cacheBefore.misses,
            };
          }
          runs[target.name] = result;
          log(`  ${scenario.id.padEnd(15)} ${target.name.padEnd(12)} ${describe(result)}`);
          await settleDatabase(service.databaseUrl);
          if (target.name === 'service' && result.errors > 0) {
            warn(
              `${scenario.id}: ${result.errors} errors from the service: ${JSON.stringify(result.statuses)}`,
            );
          }
        }
      }
    }

  // Invariants the load must have kept (orders: units sold + left = stocked), with the verification.
  for (const scenario of scenarios) {
    if (!scenario.check || reports.get(scenario.id)!.unsupported) continue;
    const check = await scenario.check(targets.find((target) => target.name === 'service')!);
    verification.push({ scenario: scenario.id, request: 'after the load', ...check });
    if (check.ok) log(`  ok ${scenario.id}: ${check.detail}`);
    else warn(`INVARIANT BROKEN ${scenario.id}: ${check.detail}`);
  }

  // 7. 500, then 1,000 concurrent connections on the search mix (every search scenario's fixed
  // request in turn on each connection), with the service's event-loop delay. Fixed requests, as
  // a storefront's popular searches: these runs measure connection handling and the tail; the
  // random requests above measure the database, whose capacity for uncached searches on 2 cores
  // (under 100 a second for the mix) would keep 500 clients waiting for seconds.
  const mixed = scenarios.filter((scenario) => SEARCH_MIX.includes(scenario.id));
  const mix = mixed.map((scenario) => scenario.id);
  /** The service's event-loop delay since the previous scrape of its /metrics. */
  const eventLoopDelay = async (): Promise<ConnectionCheck['eventLoop']> => {
    const text = (await serviceClient.request('GET', '/metrics')).body;
    const ms = (name: string) => {
      const seconds = sumMetric(text, `nodejs_eventloop_lag_${name}_seconds`);
      return seconds === undefined ? NaN : seconds * 1000;
    };
    const lag = { p50Ms: ms('p50'), p99Ms: ms('p99'), maxMs: ms('max'), meanMs: ms('mean') };
    return Object.values(lag).some(Number.isNaN) ? undefined : lag;
  };
  const connectionCheck = async (
    count: number,
    seconds: number,
  ): Promise<ConnectionCheck | undefined> => {
    if (seconds <= 0 || mixed.length === 0) return undefined;
    log(`${count} concurrent connections on the search mix for ${seconds} s`);
    const openFiles = openFilesLimit();
    // The service inherits this process's limit; each side holds one descriptor per connection.
    if (openFiles !== undefined && openFiles < count + 256) {
      warn(`ulimit -n is ${openFiles}: too few descriptors for ${count} connections`);
    }
    const check: ConnectionCheck = {
      connections: count,
      seconds,
      scenarios: mix,
      openFilesLimit: openFiles,
    };
    try {
      const requests = await Promise.all(mixed.map((scenario) => scenario.verify!(targets[0])));
      const program: Program = {
        steps: (requests as StepRequest[]).map((request) => ({ kind: 'search', request })),
      };
      // prom-client resets its event-loop delay histogram at every scrape: this one starts it.
      await eventLoopDelay();
      const overflowsBefore = listenOverflows();
      check.result = await runLoad(service.url, program, count, seconds);
      check.eventLoop = await eventLoopDelay();
      const overflowsAfter = listenOverflows();
      if (overflowsBefore !== undefined && overflowsAfter !== undefined) {
        check.listenOverflows = overflowsAfter - overflowsBefore;
      }
      const lag = check.eventLoop;
      log(
        `  ${describe(check.result)}` +
          (lag
            ? `  event-loop delay p99 ${lag.p99Ms.toFixed(0)} max ${lag.maxMs.toFixed(0)} ms`
            : ''),
      );
      if (check.result.errors > 0) warn(`${count} connections: ${check.result.errors} errors`);
    } catch (error) {
      check.error = String(error);
      warn(`${count} connections failed: ${String(error)}`);
    }
    return check;
  };
  const connections500 = await connectionCheck(500, settings.c500Seconds);
  const connections1000 = await connectionCheck(1000, settings.c1000Seconds);

  // 8. Stop everything, then report.
  const highWaterMark = rss.highWaterMark();
  let peakDuringScenarios = 0;
  for (const report of reports.values()) {
    for (const runs of Object.values(report.runs)) {
      peakDuringScenarios = Math.max(peakDuringScenarios, runs.service?.peakRssBytes ?? 0);
    }
  }
  const serviceLog = readLog(service.logFile);
  for (const floor of floors) {
    const output = floor.output().trim();
    if (output.split('\n').length > 1) warn(`floor ${floor.mode} reported:\n${output}`);
  }
  await cleanup.run();
  clearTimeout(watchdog);

  const partial: Omit<BenchReport, 'targets'> = {
    date: new Date().toISOString(),
    command: commandLine('bench'),
    machine: machineInfo(postgres, loadBefore),
    settings: {
      products: counts.products,
      categories: counts.categories,
      durationSeconds: settings.duration,
      warmupSeconds: settings.warmup,
      connections: settings.connections,
      poolSize: settings.poolSize,
      resultCacheEntries: process.env.RESULT_CACHE_ENTRIES ?? '1000',
      seed: settings.seed,
      database: service.embedded
        ? 'embedded PostgreSQL (fresh temporary data folder)'
        : 'a fresh database on BENCH_DATABASE_URL',
      deepOffset,
      sqlSamples: settings.sqlSamples,
    },
    catalog: {
      commonWord: facts.commonWord,
      commonWordTitles: facts.commonWordTitles,
      rareWord: facts.rareWord,
      rareWordTitles: facts.rareWordTitles,
      cjkWord: facts.cjkWord,
      cjkWordTitles: facts.cjkWordTitles,
      sku: facts.sku,
      rootId: facts.rootId,
      rootSubtreeProducts: facts.rootProducts,
      midId: facts.midId,
      midDepth: facts.midDepth,
      midSubtreeProducts: facts.midProducts,
      chainTopId: facts.chainTopId,
      chainSubtreeProducts: facts.chainProducts,
      maxDepth: Math.max(...plan.categories.map((category) => category.depth)),
    },
    seed: {
      categorySeconds: seeded.categorySeconds,
      productSeconds: seeded.productSeconds,
      categoriesPerSecond: plan.categories.length / Math.max(seeded.categorySeconds, 0.001),
      productsPerSecond: plan.products.length / Math.max(seeded.productSeconds, 0.001),
      retries: seeded.retries,
    },
    scenarios: [...reports.values()],
    connections500,
    connections1000,
    transfer: readTransfer(),
    rss: {
      serviceHighWaterMarkBytes: highWaterMark,
      servicePeakDuringScenariosBytes: peakDuringScenarios,
    },
    verification,
    service: {
      exitCode: serviceExitCode,
      warnLines: (serviceLog.match(/"level":(40|"warn")/g) ?? []).length,
      errorLines: (serviceLog.match(/"level":(50|60|"error"|"fatal")/g) ?? []).length,
      errorSamples: serviceLog
        .split('\n')
        .filter((line) => /"level":(50|60|"error"|"fatal")/.test(line))
        .slice(0, 5)
        .map((line) => line.slice(0, 600)),
    },
    totalSeconds: (Date.now() - startedAt) / 1000,
  };
  const report: BenchReport = { ...partial, targets: evaluateTargets(partial) };
  await writeReports(report);
  process.stdout.write(`${consoleTable(report)}\n\n`);
  log(
    `wrote bench/results/latest.md, latency.svg and raw/latest.json in ${report.totalSeconds.toFixed(0)} s`,
  );
  if (serviceExitCode !== 0)
    warn(`the service exited with ${serviceExitCode} after SIGTERM, not 0`);
  const mismatches = verification.filter((check) => !check.ok);
  if (mismatches.length > 0) {
    warn(`${mismatches.length} scenario(s) answered differently from the floors: see latest.md`);
    process.exitCode = 1;
  }
}

const fmt = (value: number | null | undefined) =>
  value === undefined || value === null ? '—' : value.toFixed(2);

/**
 * The scenario's program for one target, or undefined when that target cannot run it; why is
 * recorded on the report (a service that cannot run it makes the whole scenario unsupported).
 */
async function prepare(
  scenario: Scenario,
  target: Target,
  report: ScenarioReport,
): Promise<Program | undefined> {
  const program = await scenario.prepare(target);
  if (!isUnsupported(program)) return program;
  if (target.name === 'service') {
    report.unsupported = program.unsupported;
    warn(`${scenario.id}: not supported: ${program.unsupported}`);
  } else {
    (report.floorUnsupported ??= {})[target.name] = program.unsupported;
  }
  return undefined;
}

function describe(result: LoadResult): string {
  const { latency } = result;
  return (
    `${result.rps.toFixed(0).padStart(6)} req/s  p50 ${latency.p50.toFixed(1)} p95 ${latency.p95.toFixed(1)} ` +
    `p99 ${latency.p99.toFixed(1)} ms  errors ${result.errors}`
  );
}

/**
 * Statements per request over sequential requests, and per request kind when the program has
 * several (e.g. a write, then the uncached report it forces): the count is read before every
 * request then.
 */
async function countStatements(
  target: Target,
  program: Program,
  samples: number,
): Promise<{ perRequest: number | null; kinds?: Record<string, number> }> {
  const count = Math.max(1, Math.round(samples / program.steps.length)) * program.steps.length;
  const perKind = new Set(program.steps.map((step) => step.kind)).size > 1;
  const byKind = new Map<string, { statements: number; requests: number }>();
  let known = true;
  let previous: { kind: string; statements: number } | undefined;
  const mark = async (kind?: string) => {
    const statements = await target.statements();
    if (statements === undefined) known = false;
    else if (previous) {
      const entry = byKind.get(previous.kind) ?? { statements: 0, requests: 0 };
      entry.statements += statements - previous.statements;
      entry.requests++;
      byKind.set(previous.kind, entry);
    }
    previous = kind === undefined || statements === undefined ? undefined : { kind, statements };
  };
  const before = await target.statements();
  await runSequential(
    target.client,
    program,
    count,
    perKind ? (step) => mark(step.kind) : undefined,
  );
  if (perKind) await mark();
  const after = await target.statements();
  if (before === undefined || after === undefined) return { perRequest: null };
  return {
    perRequest: (after - before) / count,
    ...(perKind &&
      known && {
        kinds: Object.fromEntries(
          [...byKind].map(([kind, entry]) => [kind, entry.statements / entry.requests]),
        ),
      }),
  };
}

/** The service's result-cache reads so far, by outcome. */
async function resultCacheReads(client: HttpClient): Promise<{ hits: number; misses: number }> {
  const text = (await client.request('GET', '/metrics')).body;
  const reads = (outcome: string) =>
    sumMetric(text, 'catalog_result_cache_total', { outcome }) ?? 0;
  return { hits: reads('hit'), misses: reads('miss') };
}

/**
 * Connections the kernel's accept queues refused so far (TcpExt ListenOverflows of this network
 * namespace): a listener's queue holds its listen() backlog (Node's default 511), and a refused
 * SYN is only retried by the client a second or more later.
 */
function listenOverflows(): number | undefined {
  try {
    const [names, values] = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('TcpExt:'))
      .map((line) => line.split(/\s+/));
    const index = names.indexOf('ListenOverflows');
    return index > 0 ? Number(values[index]) : undefined;
  } catch {
    return undefined;
  }
}

/** The soft limit of open files (`ulimit -n`) of this process, which the service inherits. */
function openFilesLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const value = Number(line?.[1]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

interface Answer {
  status: number;
  total?: unknown;
  ids?: unknown[];
  product?: Record<string, unknown>;
}

async function answer(target: Target, request: StepRequest, as: 'envelope' | 'product' | 'report') {
  const response = await target.client.request(request.method, request.path);
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    // compared by status only
  }
  const result: Answer = { status: response.status };
  if (as === 'product') {
    const { id, title, description, image_url, sku, price, category_id, created_at } = body;
    result.product = { id, title, description, image_url, sku, price, category_id, created_at };
  } else if (as === 'report') {
    // Every figure of the report, or of every report of the page, and the page's total.
    result.product = 'items' in body ? { items: body.items, total: body.total } : body;
  } else {
    result.total = body.total;
    result.ids = Array.isArray(body.items)
      ? (body.items as Array<{ id?: unknown }>).map((item) => item.id)
      : undefined;
  }
  return result;
}

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

async function verify(scenarios: Scenario[], targets: Target[]): Promise<Verification[]> {
  const checks: Verification[] = [];
  const answers = new Map<string, Answer>();
  for (const scenario of scenarios) {
    if (!scenario.verify || !scenario.verifyAs) continue;
    const request = await scenario.verify(targets[0]);
    if (isUnsupported(request)) continue;
    const reference = await answer(targets[0], request, scenario.verifyAs);
    answers.set(scenario.id, reference);
    if (reference.status !== 200) {
      checks.push({
        scenario: scenario.id,
        request: request.path,
        ok: false,
        detail: `the service answered ${reference.status}`,
      });
      continue;
    }
    for (const floor of targets.slice(1)) {
      const floorRequest = await scenario.verify(floor);
      if (isUnsupported(floorRequest)) continue;
      const other = await answer(floor, floorRequest, scenario.verifyAs);
      const differences: string[] = [];
      if (other.status !== reference.status) differences.push(`status ${other.status}`);
      if (scenario.verifyAs === 'product' || scenario.verifyAs === 'report') {
        if (JSON.stringify(other.product) !== JSON.stringify(reference.product)) {
          differences.push(
            `${scenario.verifyAs} ${short(reference.product)} vs ${short(other.product)}`,
          );
        }
      } else {
        if (other.total !== reference.total) {
          differences.push(`total ${short(reference.total)} vs ${short(other.total)}`);
        }
        if (JSON.stringify(other.ids) !== JSON.stringify(reference.ids)) {
          differences.push(`ids ${short(reference.ids)} vs ${short(other.ids)}`);
        }
      }
      const summary =
        scenario.verifyAs === 'product'
          ? `product ${String(reference.product?.id)}`
          : scenario.verifyAs === 'report'
            ? `every figure of ${short(reference.product)}`
            : `total ${short(reference.total)}, ${reference.ids?.length ?? 0} items`;
      checks.push({
        scenario: scenario.id,
        request: request.path,
        ok: differences.length === 0,
        detail:
          differences.length === 0
            ? `${summary}; ${floor.name} agrees`
            : `service vs ${floor.name}: ${differences.join('; ')}`,
      });
    }
  }
  // Keyset paging must land on the same page as offset paging.
  const byCursor = answers.get('deep_cursor');
  const byOffset = answers.get('deep_offset');
  if (byCursor && byOffset) {
    const same = JSON.stringify(byCursor.ids) === JSON.stringify(byOffset.ids);
    checks.push({
      scenario: 'deep_cursor',
      request: 'cursor page vs offset page',
      ok: same,
      detail: same
        ? 'the service’s cursor page equals its offset page'
        : `cursor page ${short(byCursor.ids)} vs offset page ${short(byOffset.ids)}`,
    });
  }
  return checks;
}

runScript('benchmark', cleanup, main);

/**
 * Waits (up to the statement timeout and a little more) until no other statement runs on the
 * database: a run whose requests timed out leaves their statements running (the straightforward
 * floor's per-root report takes seconds each), and they would load the next scenario's run.
 */
async function settleDatabase(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ active: number }>(
        `SELECT count(*)::int AS active FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      if (rows[0].active === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    warn('statements of the last run were still running after 15 s');
  } finally {
    await client.end();
  }
}
