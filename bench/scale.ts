/**
 * `npm run bench:scale`: the throughput of two service instances against one, on the same
 * database. Starts the production build (instance A) on a fresh database, seeds a catalog through
 * the HTTP write path, drives a few read scenarios at 64 connections against A alone, then starts
 * instance B on another port against the same database, checks that A and B answer the same, and
 * drives the same scenarios with the connections split evenly between A and B (two autocannon
 * runs in parallel). Writes bench/results/scale.md and raw/scale.json.
 *
 * Settings (environment):
 *   BENCH_PRODUCTS (20000), BENCH_CATEGORIES (1000), BENCH_DURATION seconds per run (10),
 *   BENCH_WARMUP seconds before each run (1), BENCH_SCALE_CONNECTIONS in total (64, even),
 *   BENCH_SCALE_SCENARIOS (get_by_id,list_page,search_common,subtree_root; read scenarios only),
 *   BENCH_SEED (42), BENCH_SEED_CONCURRENCY (32), BENCH_POOL_SIZE per instance (DB_POOL_SIZE or
 *   10), BENCH_DATABASE_URL (a server to create a fresh database on, instead of embedded
 *   PostgreSQL), BENCH_REDIS_URL (passed to both instances as REDIS_URL; unset: no Redis),
 *   BENCH_TIMEOUT total seconds (auto).
 */
import Redis from 'ioredis';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  Cleanup,
  commandLine,
  runScript,
  startRun,
  envInt,
  HttpClient,
  log,
  MachineInfo,
  machineInfo,
  redacted,
  sumMetric,
  warn,
} from './common';
import { Latency, latencyOf, LoadResult, Program, runLoad, StepRequest } from './load';
import { RAW_RESULTS, readLog, RESULTS, ROOT, ServiceHandle, startService } from './processes';
import { writeFormatted } from './report';
import { buildScenarios, isUnsupported, Scenario, Target } from './scenarios';
import { seedDatabase } from './seed';

/** Cores used by other processes during a run above which the run is flagged as disturbed. */
const OTHER_WARNING = 0.2;
const DEFAULT_SCENARIOS = ['get_by_id', 'list_page', 'search_common', 'subtree_root'];

interface Settings {
  products: number;
  categories: number;
  duration: number;
  warmup: number;
  connections: number;
  scenarios: string[];
  seed: number;
  seedConcurrency: number;
  poolSize: number;
  databaseUrl?: string;
  redisUrl?: string;
  timeoutSeconds: number;
}

function readSettings(): Settings {
  const products = envInt('BENCH_PRODUCTS', 20_000, 1);
  const categories = envInt('BENCH_CATEGORIES', 1_000, 1);
  const duration = envInt('BENCH_DURATION', 10, 1);
  const warmup = envInt('BENCH_WARMUP', 1, 0);
  const connections = envInt('BENCH_SCALE_CONNECTIONS', 64, 2);
  if (connections % 2 !== 0) {
    throw new Error(`BENCH_SCALE_CONNECTIONS=${connections} must be even: it is split over two`);
  }
  const scenarios = process.env.BENCH_SCALE_SCENARIOS?.trim()
    ? process.env.BENCH_SCALE_SCENARIOS.split(',').map((id) => id.trim())
    : DEFAULT_SCENARIOS;
  // Seeding at ~300/s, two phases of every scenario, and a generous margin for the start-ups.
  const estimate =
    products / 300 + categories / 100 + 2 * scenarios.length * (duration + warmup + 2);
  return {
    products,
    categories,
    duration,
    warmup,
    connections,
    scenarios,
    seed: envInt('BENCH_SEED', 42),
    seedConcurrency: envInt('BENCH_SEED_CONCURRENCY', 32, 1),
    // The main benchmark's default, per instance.
    poolSize: envInt('BENCH_POOL_SIZE', envInt('DB_POOL_SIZE', 10, 1), 1),
    databaseUrl: process.env.BENCH_DATABASE_URL?.trim() || undefined,
    redisUrl: process.env.BENCH_REDIS_URL?.trim() || undefined,
    timeoutSeconds: envInt('BENCH_TIMEOUT', Math.ceil(600 + estimate * 1.5), 60),
  };
}

/** What the report keeps of a run: everything but the raw response times. */
type RunSummary = Omit<LoadResult, 'responseTimes'>;

/** Where the machine's CPU went during a run, in cores (2.0 = both cores of a 2-core machine). */
interface CpuShare {
  machineBusy: number;
  driver: number;
  instanceA: number;
  instanceB?: number;
  /** The embedded PostgreSQL's server and backends (not measured on BENCH_DATABASE_URL). */
  postgres?: number;
  /** Interrupt handling (irq + softirq, e.g. loopback networking), charged to no process. */
  irq: number;
  /** Time the hypervisor ran something else while this VM wanted to run. */
  steal: number;
  /** Busy, but none of the above: other processes on the machine. */
  other: number;
}

/** A measured run with where the CPU went, and the Redis server's commands per response. */
type Measured = RunSummary & { cpu: CpuShare; redisCommandsPerRequest?: number };

interface ScaleScenario {
  id: string;
  label: string;
  one: Measured;
  /** A and B together: requests and req/s summed, latency from both runs' response times merged. */
  two?: Measured;
  twoPerInstance?: { a: RunSummary; b: RunSummary };
  /** two.rps / one.rps */
  ratio?: number;
}

interface Check {
  scenario: string;
  request: string;
  ok: boolean;
  detail: string;
}

/** B is stopped before A: A owns the database. */
const cleanup = new Cleanup();

async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = Date.now();
  // npm run bench:scale built dist/ just before: what it was built from.
  const build = buildInfo();
  const { loadBefore, watchdog } = startRun(settings.timeoutSeconds, cleanup);
  const half = settings.connections / 2;
  log(
    `settings: ${settings.products} products, ${settings.categories} categories, ` +
      `${settings.duration} s per run (+${settings.warmup} s warm-up), ${settings.connections} connections ` +
      `(${half} + ${half} on two instances), pool ${settings.poolSize} per instance, ` +
      `Redis ${settings.redisUrl ? redacted(settings.redisUrl) : 'none'}, time limit ${settings.timeoutSeconds} s`,
  );

  let redis: Redis | undefined;
  if (settings.redisUrl) {
    redis = new Redis(settings.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    await redis.connect();
    log(`Redis answers ${await redis.ping()} at ${redacted(settings.redisUrl)}`);
    cleanup.add('close the Redis client', () => Promise.resolve(redis?.disconnect()));
  }
  const extraEnv = settings.redisUrl ? { REDIS_URL: settings.redisUrl } : undefined;

  // 1. Instance A on a fresh database.
  log(
    settings.databaseUrl
      ? 'starting instance A on a fresh database'
      : 'starting instance A on a fresh embedded PostgreSQL',
  );
  const a = await startService({
    name: 'instance A',
    poolSize: settings.poolSize,
    externalUrl: settings.databaseUrl,
    extraEnv,
  });
  cleanup.add('remove the temporary data', () => a.cleanup());
  const exitCodes: { a?: number | null; b?: number | null } = {};
  cleanup.add('stop instance A', async () => (exitCodes.a = await a.stop()));
  const clientA = new HttpClient(a.url, settings.seedConcurrency + 4);
  cleanup.add('close client A', () => Promise.resolve(clientA.close()));

  // 2. The catalog, through A's write path.
  const { facts, postgres, counts } = await seedDatabase(clientA, a.databaseUrl, settings);

  const all = buildScenarios(facts, {
    deepOffset: Math.min(5000, Math.floor(settings.products / 2 / 20) * 20),
    seed: settings.seed,
    runTag: Date.now().toString(36).toUpperCase(),
  });
  const scenarios = settings.scenarios.map((id) => {
    const scenario = all.find((candidate) => candidate.id === id);
    if (!scenario) throw new Error(`BENCH_SCALE_SCENARIOS: no scenario ${id}`);
    // A write would change the catalog between the one- and the two-instance runs.
    if (!scenario.read) throw new Error(`BENCH_SCALE_SCENARIOS: ${id} is not a read scenario`);
    return scenario;
  });
  const targetA = target('instance A', a, clientA);
  const postmaster = postmasterOf(a);
  const programsA = new Map<string, Program>();
  for (const scenario of scenarios) programsA.set(scenario.id, await program(scenario, targetA));

  // 3. A alone.
  const results = new Map<string, ScaleScenario>();
  log(`=== one instance, ${settings.connections} connections ===`);
  for (const scenario of scenarios) {
    const programA = programsA.get(scenario.id)!;
    if (settings.warmup > 0) await runLoad(a.url, programA, settings.connections, settings.warmup);
    const cpu = new CpuMeter({ driver: process.pid, instanceA: a.pid }, postmaster);
    const redisBefore = await redisCommands(redis);
    const one = await runLoad(a.url, programA, settings.connections, settings.duration);
    const result: Measured = {
      ...one,
      cpu: cpu.read(),
      ...perRequest(redisBefore, await redisCommands(redis), one.requests),
    };
    results.set(scenario.id, { id: scenario.id, label: scenario.label, one: result });
    log(`  ${scenario.id.padEnd(15)} one   ${describe(result)}`);
  }

  // 4. B on the same database, and the same answers from both.
  log('starting instance B on the same database');
  const b = await startService({
    name: 'instance B',
    poolSize: settings.poolSize,
    sharedDatabaseUrl: a.databaseUrl,
    extraEnv,
  });
  cleanup.add('remove instance B’s log folder', () => b.cleanup());
  cleanup.add('stop instance B', async () => (exitCodes.b = await b.stop()));
  const clientB = new HttpClient(b.url, 8);
  cleanup.add('close client B', () => Promise.resolve(clientB.close()));
  const targetB = target('instance B', b, clientB);
  log('verifying that A and B answer the same');
  const verification = await verify(scenarios, targetA, targetB);
  for (const check of verification) {
    if (check.ok) log(`  ok ${check.scenario}: ${check.detail}`);
    else warn(`MISMATCH ${check.scenario} ${check.request}: ${check.detail}`);
  }
  const mismatches = verification.filter((check) => !check.ok).length;

  // 5. A and B, the connections split evenly, two autocannon runs at the same time.
  if (mismatches === 0) {
    log(`=== two instances, ${half} + ${half} connections ===`);
    for (const scenario of scenarios) {
      const programA = programsA.get(scenario.id)!;
      const programB = await program(scenario, targetB);
      if (settings.warmup > 0) {
        await Promise.all([
          runLoad(a.url, programA, half, settings.warmup),
          runLoad(b.url, programB, half, settings.warmup),
        ]);
      }
      const cpu = new CpuMeter(
        { driver: process.pid, instanceA: a.pid, instanceB: b.pid },
        postmaster,
      );
      const keep = { keepResponseTimes: true };
      const redisBefore = await redisCommands(redis);
      const [runA, runB] = await Promise.all([
        runLoad(a.url, programA, half, settings.duration, keep),
        runLoad(b.url, programB, half, settings.duration, keep),
      ]);
      const combined = combine(runA, runB);
      const two: Measured = {
        ...combined,
        cpu: cpu.read(),
        ...perRequest(redisBefore, await redisCommands(redis), combined.requests),
      };
      const entry = results.get(scenario.id)!;
      entry.two = two;
      entry.twoPerInstance = { a: summary(runA), b: summary(runB) };
      entry.ratio = entry.one.rps > 0 ? two.rps / entry.one.rps : undefined;
      log(`  ${scenario.id.padEnd(15)} two   ${describe(two)}  x${entry.ratio?.toFixed(2) ?? '—'}`);
      log(`  ${''.padEnd(15)}   A   ${describe(runA)}`);
      log(`  ${''.padEnd(15)}   B   ${describe(runB)}`);
    }
  } else {
    warn(`${mismatches} mismatch(es) between A and B: the two-instance runs are skipped`);
  }

  // 6. Stop everything, then report.
  const logs = { a: readLog(a.logFile), b: readLog(b.logFile) };
  const loadAfter = loadavg();
  await cleanup.run();
  clearTimeout(watchdog);
  log(`instance A exited with ${exitCodes.a}, instance B with ${exitCodes.b}`);

  const measured = [...results.values()];
  const ratios = measured.flatMap((entry) => (entry.ratio === undefined ? [] : [entry.ratio]));
  const report = {
    date: new Date().toISOString(),
    command: commandLine('bench:scale'),
    machine: {
      ...machineInfo(postgres, loadBefore),
      loadAverageAfter: loadAfter.map((value) => Number(value.toFixed(2))),
    },
    settings: {
      products: counts.products,
      categories: counts.categories,
      durationSeconds: settings.duration,
      warmupSeconds: settings.warmup,
      connections: settings.connections,
      connectionsPerInstanceWithTwo: half,
      poolSizePerInstance: settings.poolSize,
      seed: settings.seed,
      database: a.embedded
        ? 'embedded PostgreSQL (fresh temporary data folder), started by instance A'
        : 'a fresh database on BENCH_DATABASE_URL',
      redis: settings.redisUrl ? redacted(settings.redisUrl) : null,
      rateLimitPerMinute: 0,
    },
    /** What dist/ was built from: the service under test. */
    build,
    catalog: {
      commonWord: facts.commonWord,
      commonWordTitles: facts.commonWordTitles,
      rootId: facts.rootId,
      rootSubtreeProducts: facts.rootProducts,
    },
    verification,
    scenarios: measured,
    /** Geometric mean of two.rps / one.rps over the scenarios. */
    geometricMeanRatio: ratios.length
      ? Math.exp(ratios.reduce((sum, value) => sum + Math.log(value), 0) / ratios.length)
      : null,
    instances: {
      a: { exitCode: exitCodes.a ?? null, ...logLines(logs.a) },
      b: { exitCode: exitCodes.b ?? null, ...logLines(logs.b) },
    },
    totalSeconds: (Date.now() - startedAt) / 1000,
  };
  await writeFormatted(join(RAW_RESULTS, 'scale.json'), JSON.stringify(report, null, 2));
  await writeFormatted(join(RESULTS, 'scale.md'), markdown(report));
  process.stdout.write(`\n${consoleTable(measured)}\n\n`);
  log(
    `wrote bench/results/scale.md and raw/scale.json in ${report.totalSeconds.toFixed(0)} s` +
      (report.geometricMeanRatio === null
        ? ''
        : `; two/one ${report.geometricMeanRatio.toFixed(2)}x (geometric mean)`),
  );
  if (maxOther(measured) > OTHER_WARNING) {
    warn(
      `other processes used up to ${maxOther(measured).toFixed(2)} cores during a measured run: ` +
        'the machine was not quiet',
    );
  }
  if (mismatches > 0) process.exitCode = 1;
  for (const [name, code] of Object.entries(exitCodes)) {
    if (code !== 0) {
      warn(`instance ${name.toUpperCase()} exited with ${code} after SIGTERM, not 0`);
      process.exitCode = 1;
    }
  }
}

function target(label: string, service: ServiceHandle, client: HttpClient): Target {
  return {
    name: 'service',
    label,
    url: service.url,
    client,
    statements: async () =>
      sumMetric(
        (await client.request('GET', '/metrics')).body,
        'catalog_db_query_duration_seconds_count',
      ),
  };
}

async function program(scenario: Scenario, target: Target): Promise<Program> {
  const prepared = await scenario.prepare(target);
  if (isUnsupported(prepared)) {
    throw new Error(`${scenario.id} on ${target.label}: ${prepared.unsupported}`);
  }
  return prepared;
}

const summary = ({ responseTimes: _, ...rest }: LoadResult): RunSummary => rest;

/** Two parallel runs as one: counts and req/s summed, percentiles of the merged response times. */
function combine(a: LoadResult, b: LoadResult): RunSummary {
  const times = new Float64Array((a.responseTimes?.length ?? 0) + (b.responseTimes?.length ?? 0));
  times.set(a.responseTimes ?? []);
  times.set(b.responseTimes ?? [], a.responseTimes?.length ?? 0);
  const statuses: Record<string, number> = { ...a.statuses };
  for (const [status, count] of Object.entries(b.statuses)) {
    statuses[status] = (statuses[status] ?? 0) + count;
  }
  return {
    connections: a.connections + b.connections,
    seconds: Math.max(a.seconds, b.seconds),
    requests: a.requests + b.requests,
    rps: a.rps + b.rps,
    ok: a.ok + b.ok,
    errors: a.errors + b.errors,
    socketErrors: a.socketErrors + b.socketErrors,
    timeouts: a.timeouts + b.timeouts,
    statuses,
    latency: latencyOf(times),
  };
}

/** The fields the scenarios' fixed requests are compared by (as in the main benchmark). */
async function answer(target: Target, request: StepRequest, as: 'envelope' | 'product' | 'report') {
  const response = await target.client.request(request.method, request.path);
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    // compared by status only
  }
  if (as === 'report') return { status: response.status, product: body };
  if (as === 'product') {
    const { id, title, description, image_url, sku, price, category_id, created_at } = body;
    return {
      status: response.status,
      product: { id, title, description, image_url, sku, price, category_id, created_at },
    };
  }
  const items = Array.isArray(body.items) ? (body.items as Array<{ id?: unknown }>) : undefined;
  return { status: response.status, total: body.total, ids: items?.map((item) => item.id) };
}

async function verify(scenarios: Scenario[], a: Target, b: Target): Promise<Check[]> {
  const checks: Check[] = [];
  for (const scenario of scenarios) {
    if (!scenario.verify || !scenario.verifyAs) continue;
    const request = await scenario.verify(a);
    if (isUnsupported(request)) continue;
    const [fromA, fromB] = await Promise.all([
      answer(a, request, scenario.verifyAs),
      answer(b, request, scenario.verifyAs),
    ]);
    const same = JSON.stringify(fromA) === JSON.stringify(fromB);
    const ok = same && fromA.status === 200;
    const what =
      scenario.verifyAs === 'product'
        ? `product ${String(fromA.product?.id)}`
        : `total ${String(fromA.total)}, ids ${short(fromA.ids)}`;
    checks.push({
      scenario: scenario.id,
      request: request.path,
      ok,
      detail: ok
        ? `${what}; B agrees`
        : `A ${short(fromA)} vs B ${short(fromB)}${fromA.status === 200 ? '' : ' (not 200)'}`,
    });
  }
  return checks;
}

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

/** CPU time of a few processes and of the whole machine between construction and read(). */
class CpuMeter {
  private readonly start: { machine: MachineTicks; processes: Record<string, number> };

  constructor(
    private readonly pids: Record<string, number>,
    private readonly postmaster?: number,
  ) {
    this.start = this.sample();
  }

  read(): CpuShare {
    const end = this.sample();
    const total = end.machine.total - this.start.machine.total;
    const cores = (ticks: number) =>
      total > 0 ? Number(((ticks / total) * cpus().length).toFixed(2)) : 0;
    const used = (key: string) => cores(end.processes[key] - this.start.processes[key]);
    const share: CpuShare = {
      machineBusy: cores(end.machine.busy - this.start.machine.busy),
      driver: used('driver'),
      instanceA: used('instanceA'),
      ...(this.pids.instanceB !== undefined && { instanceB: used('instanceB') }),
      ...(this.postmaster !== undefined && { postgres: used('postgres') }),
      irq: cores(end.machine.irq - this.start.machine.irq),
      steal: cores(end.machine.steal - this.start.machine.steal),
      other: 0,
    };
    const accounted =
      share.driver +
      share.instanceA +
      (share.instanceB ?? 0) +
      (share.postgres ?? 0) +
      share.irq +
      share.steal;
    share.other = Number(Math.max(0, share.machineBusy - accounted).toFixed(2));
    return share;
  }

  private sample() {
    const processes: Record<string, number> = {};
    for (const [key, pid] of Object.entries(this.pids)) processes[key] = processTicks(pid) ?? 0;
    if (this.postmaster !== undefined) processes.postgres = postgresTicks(this.postmaster);
    return { machine: machineTicks(), processes };
  }
}

interface MachineTicks {
  total: number;
  busy: number;
  irq: number;
  steal: number;
}

/**
 * All CPUs' ticks from /proc/stat (user nice system idle iowait irq softirq steal); idle and
 * iowait are not busy.
 */
function machineTicks(): MachineTicks {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const [, , , idle, iowait, irq, softirq, steal] = fields.slice(0, 8).map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + Number(value), 0);
    return { total, busy: total - idle - iowait, irq: irq + softirq, steal };
  } catch {
    return { total: 0, busy: 0, irq: 0, steal: 0 };
  }
}

/** The fields of /proc/<pid>/stat after the command name: [0] is the state, [1] the parent. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in the same ticks as /proc/stat. */
function processTicks(pid: number): number | undefined {
  const fields = procStat(pid);
  return fields && Number(fields[11]) + Number(fields[12]);
}

/**
 * A PostgreSQL server's CPU: the postmaster and its children (backends and background workers;
 * a backend that exited during the run takes its ticks with it, but the pools keep theirs open).
 */
function postgresTicks(postmaster: number): number {
  let sum = processTicks(postmaster) ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (procStat(Number(entry))?.[1] === String(postmaster))
      sum += processTicks(Number(entry)) ?? 0;
  }
  return sum;
}

/** The pid of the embedded PostgreSQL that instance A started, from its postmaster.pid. */
function postmasterOf(service: ServiceHandle): number | undefined {
  if (!service.postgresDataDir) return undefined;
  try {
    const pid = Number(
      readFileSync(join(service.postgresDataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Commands the Redis server has processed so far, from all its clients (ours included). */
async function redisCommands(redis: Redis | undefined): Promise<number | undefined> {
  if (!redis) return undefined;
  const info = await redis.info('stats');
  const match = /total_commands_processed:(\d+)/.exec(info);
  return match ? Number(match[1]) : undefined;
}

/** The count after the run includes the INFO that read the count before it: left out. */
const perRequest = (before: number | undefined, after: number | undefined, requests: number) =>
  before === undefined || after === undefined || requests === 0
    ? {}
    : { redisCommandsPerRequest: Number(((after - before - 1) / requests).toFixed(3)) };

/** The commit, and the files of src/ that differ from it when the build ran. */
function buildInfo(): { commit: string; uncommitted: string[] } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return {
      commit: git('rev-parse', '--short', 'HEAD').trim(),
      uncommitted: git('status', '--porcelain', '--', 'src')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(3)),
    };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

const maxOther = (scenarios: ScaleScenario[]) =>
  Math.max(0, ...scenarios.flatMap((entry) => [entry.one.cpu.other, entry.two?.cpu.other ?? 0]));

/** Warnings (mostly "Slow request") and errors the instance logged (LOG_LEVEL=warn). */
const logLines = (text: string) => ({
  warnLines: (text.match(/"level":(40|"warn")/g) ?? []).length,
  errorLines: (text.match(/"level":(50|60|"error"|"fatal")/g) ?? []).length,
});

function describe(result: RunSummary & { cpu?: CpuShare }): string {
  const { latency } = result;
  return (
    `${result.rps.toFixed(0).padStart(6)} req/s  p50 ${latency.p50.toFixed(1)} p95 ${latency.p95.toFixed(1)} ` +
    `p99 ${latency.p99.toFixed(1)} ms  errors ${result.errors}` +
    (result.cpu
      ? `  cpu ${result.cpu.machineBusy.toFixed(2)} cores busy (other ${result.cpu.other.toFixed(2)})`
      : '')
  );
}

const ms = (latency: Latency | undefined, key: 'p50' | 'p95' | 'p99') =>
  latency === undefined ? '—' : latency[key].toFixed(1);
const rps = (run: RunSummary | undefined) => (run === undefined ? '—' : run.rps.toFixed(0));
const times = (value: number | undefined | null) =>
  value === undefined || value === null ? '—' : `${value.toFixed(2)}x`;

function consoleTable(scenarios: ScaleScenario[]): string {
  const header = [
    'scenario',
    'one req/s',
    'two req/s',
    'two/one',
    'one p50/p95',
    'two p50/p95',
    'errors one/two',
  ];
  const rows = scenarios.map((entry) => [
    entry.id,
    rps(entry.one),
    rps(entry.two),
    times(entry.ratio),
    `${ms(entry.one.latency, 'p50')}/${ms(entry.one.latency, 'p95')}`,
    `${ms(entry.two?.latency, 'p50')}/${ms(entry.two?.latency, 'p95')}`,
    `${entry.one.errors}/${entry.two?.errors ?? '—'}`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]),
      )
      .join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

function markdown(report: {
  date: string;
  command: string;
  machine: MachineInfo & { loadAverageAfter: number[] };
  settings: {
    products: number;
    categories: number;
    durationSeconds: number;
    warmupSeconds: number;
    connections: number;
    connectionsPerInstanceWithTwo: number;
    poolSizePerInstance: number;
    database: string;
    redis: string | null;
  };
  build: { commit: string; uncommitted: string[] };
  verification: Check[];
  scenarios: ScaleScenario[];
  geometricMeanRatio: number | null;
  instances: Record<'a' | 'b', { exitCode: number | null; warnLines: number; errorLines: number }>;
}): string {
  const { machine, settings } = report;
  const cpu = (share: CpuShare | undefined) =>
    share === undefined
      ? '—'
      : `${share.machineBusy.toFixed(2)} (A ${share.instanceA.toFixed(2)}` +
        (share.instanceB === undefined ? '' : `, B ${share.instanceB.toFixed(2)}`) +
        (share.postgres === undefined ? '' : `, PG ${share.postgres.toFixed(2)}`) +
        `, driver ${share.driver.toFixed(2)}, irq ${share.irq.toFixed(2)}` +
        (share.steal > 0 ? `, steal ${share.steal.toFixed(2)}` : '') +
        `, other ${share.other.toFixed(2)})`;
  const lines = [
    '# Running at scale: two instances against one',
    '',
    `${report.date} · \`${report.command}\``,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ` +
      `Node ${machine.node}, ${machine.platform}, ${machine.postgres}. Load average before ` +
      `${machine.loadAverageBefore.join(' ')}, after ${machine.loadAverageAfter.join(' ')}. ` +
      'PostgreSQL, both instances and the load generator (one Node process running autocannon) share these cores.',
    '',
    `${settings.products} products, ${settings.categories} categories on ${settings.database}. ` +
      `Each run ${settings.durationSeconds} s after ${settings.warmupSeconds} s of warm-up. ` +
      `**One**: ${settings.connections} connections to instance A. ` +
      `**Two**: A and B (a second process on the same database, started after the one-instance runs), ` +
      `${settings.connectionsPerInstanceWithTwo} connections each, two autocannon runs at the same time. ` +
      `Database pool ${settings.poolSizePerInstance} per instance, so two instances hold twice the database connections. ` +
      (settings.redis
        ? `Redis ${settings.redis} is the REDIS_URL of both instances (rate limit off, as in the main benchmark); ` +
          'the Redis column is the commands the Redis server processed per response during the run, from all its clients.'
        : 'No Redis (BENCH_REDIS_URL unset).') +
      ` Built from ${report.build.commit}` +
      (report.build.uncommitted.length > 0
        ? ` with uncommitted changes in ${report.build.uncommitted.join(', ')}.`
        : '.'),
    '',
    'Two-instance req/s is the sum of both runs; its p50/p95 are percentiles of both runs’ response times merged ' +
      '(one histogram), not averages of percentiles. Per-instance figures are in the second table. ' +
      'CPU is in cores busy over the measured run (from /proc): the whole machine, then instance A, B, ' +
      'the embedded PostgreSQL (server and backends), the load generator, interrupts (irq + softirq), ' +
      'steal (the hypervisor, when any) and other processes (busy minus all of those).',
    ...(maxOther(report.scenarios) > OTHER_WARNING
      ? [
          '',
          `**Other processes used up to ${maxOther(report.scenarios).toFixed(2)} cores during a measured run**: ` +
            'the machine was not quiet, and the figures show it.',
        ]
      : []),
    '',
    `**Two/one: ${times(report.geometricMeanRatio)}** (geometric mean over the scenarios).`,
    '',
    '| scenario | one: req/s | two: req/s | two/one | one: p50 / p95 ms | two: p50 / p95 ms | errors one / two | Redis one / two | CPU one | CPU two |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...report.scenarios.map(
      (entry) =>
        `| ${entry.label} | ${rps(entry.one)} | ${rps(entry.two)} | ${times(entry.ratio)} | ` +
        `${ms(entry.one.latency, 'p50')} / ${ms(entry.one.latency, 'p95')} | ` +
        `${ms(entry.two?.latency, 'p50')} / ${ms(entry.two?.latency, 'p95')} | ` +
        `${entry.one.errors} / ${entry.two?.errors ?? '—'} | ` +
        `${entry.one.redisCommandsPerRequest ?? '—'} / ${entry.two?.redisCommandsPerRequest ?? '—'} | ` +
        `${cpu(entry.one.cpu)} | ${cpu(entry.two?.cpu)} |`,
    ),
    '',
    '| scenario | A alone: req/s | A of two: req/s | B of two: req/s | A of two: p50 / p95 ms | B of two: p50 / p95 ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...report.scenarios.map((entry) => {
      const pair = entry.twoPerInstance;
      return (
        `| ${entry.label} | ${rps(entry.one)} | ${rps(pair?.a)} | ${rps(pair?.b)} | ` +
        `${ms(pair?.a.latency, 'p50')} / ${ms(pair?.a.latency, 'p95')} | ` +
        `${ms(pair?.b.latency, 'p50')} / ${ms(pair?.b.latency, 'p95')} |`
      );
    }),
    '',
    'Before the two-instance runs, A and B answered each scenario’s fixed request:',
    '',
    ...report.verification.map(
      (check) =>
        `- ${check.ok ? 'same' : '**MISMATCH**'}: ${check.scenario} \`${check.request}\`: ${check.detail}`,
    ),
    '',
    `Exit codes after SIGTERM: A ${report.instances.a.exitCode}, B ${report.instances.b.exitCode}; ` +
      `error log lines: A ${report.instances.a.errorLines}, B ${report.instances.b.errorLines}; ` +
      `warning lines (mostly slow requests): A ${report.instances.a.warnLines}, B ${report.instances.b.warnLines}.`,
    '',
  ];
  return lines.join('\n');
}

runScript('scale benchmark', cleanup, main);
