/**
 * `npm run bench:transfer`: bulk import and export at catalog scale. Starts the production build
 * on a fresh database, generates BENCH_TRANSFER_ROWS products (the catalog of `seed.ts`, with its
 * category tree as category paths) as one CSV file, and times: the import into the empty catalog
 * (every row created, every category too), the export as CSV and as NDJSON, and the import of the
 * exported CSV back (every row an update, nothing created). Checks the counts each answers, and
 * samples the service's RSS during each step. Writes bench/results/transfer.md and raw/transfer.json,
 * with the targets of issue 16 (import under 60 s, export under 10 s) evaluated.
 *
 * Settings (environment):
 *   BENCH_TRANSFER_ROWS (100000), BENCH_CATEGORIES (5000), BENCH_SEED (42),
 *   BENCH_POOL_SIZE (DB_POOL_SIZE or 10), BENCH_DATABASE_URL (a server to create a fresh database
 *   on, instead of embedded PostgreSQL), BENCH_TIMEOUT total seconds (auto).
 */
import 'reflect-metadata';
import { stringify } from 'csv-stringify/sync';
import { Client } from 'pg';
import { join } from 'node:path';
import { PATH_SEPARATOR, PRODUCT_COLUMNS } from '../src/modules/catalog-transfer/product-csv';
import {
  Cleanup,
  commandLine,
  envInt,
  log,
  machineInfo,
  runScript,
  startRun,
  warn,
} from './common';
import { RAW_RESULTS, readLog, RESULTS, RssSampler, startService } from './processes';
import { writeFormatted } from './report';
import { CatalogPlan, planCatalog } from './seed';

const IMPORT_TARGET_SECONDS = 60;
const EXPORT_TARGET_SECONDS = 10;
/** Above the 60 s target on purpose: a slow import is measured, not cut short. */
const REQUEST_TIMEOUT_MS = 600_000;

interface Step {
  name: string;
  seconds: number;
  bytes: number;
  rows: number;
  rowsPerSecond: number;
  peakRssBytes: number;
  detail: string;
}

interface ImportResult {
  created: number;
  updated: number;
  categories_created: number;
}

/**
 * The planned catalog as one import file, in the columns of an export: each product's category
 * as the names from its root; stock and is_active varied by row.
 */
function catalogCsv(plan: CatalogPlan): Buffer {
  const paths = new Map<number, string>();
  // Parents come before their children in the plan.
  for (const category of plan.categories) {
    const parent = category.parentKey === null ? undefined : paths.get(category.parentKey);
    paths.set(
      category.key,
      parent === undefined ? category.name : parent + PATH_SEPARATOR + category.name,
    );
  }
  const rows = plan.products.map((product, index) => [
    product.sku,
    product.title,
    product.description,
    product.price,
    product.imageUrl ?? '',
    product.categoryKey === null ? '' : paths.get(product.categoryKey),
    index % 20 === 19 ? 'false' : 'true',
    String((index * 37) % 500),
  ]);
  return Buffer.from(
    stringify(rows, { header: true, columns: [...PRODUCT_COLUMNS], record_delimiter: 'windows' }),
  );
}

const cleanup = new Cleanup();

async function main(): Promise<void> {
  const rows = envInt('BENCH_TRANSFER_ROWS', 100_000, 1);
  const categories = envInt('BENCH_CATEGORIES', 5_000, 1);
  const seed = envInt('BENCH_SEED', 42);
  const poolSize = envInt('BENCH_POOL_SIZE', envInt('DB_POOL_SIZE', 10, 1), 1);
  const timeoutSeconds = envInt('BENCH_TIMEOUT', Math.ceil(900 + rows / 200), 60);
  const externalUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  const startedAt = Date.now();
  const { loadBefore, watchdog } = startRun(timeoutSeconds, cleanup);

  log(`planning ${rows} products in ${categories} categories (seed ${seed})`);
  const plan = planCatalog(rows, categories, seed);
  const file = catalogCsv(plan);
  const linked = new Set(
    plan.products.flatMap((p) => (p.categoryKey === null ? [] : [p.categoryKey])),
  );
  log(`import file: ${(file.length / 1024 ** 2).toFixed(1)} MiB, ${linked.size} categories named`);

  log(
    externalUrl
      ? 'starting the service on a fresh database'
      : 'starting the service on a fresh embedded PostgreSQL',
  );
  const service = await startService({ poolSize, externalUrl });
  cleanup.add('remove the temporary data', () => service.cleanup());
  let exitCode: number | null = null;
  cleanup.add('stop the service', async () => {
    exitCode = await service.stop();
    log(`service stopped with exit code ${exitCode}`);
  });
  const rss = new RssSampler(service.pid, 100);
  rss.start();
  cleanup.add('stop the RSS sampler', () => Promise.resolve(rss.stop()));

  const db = new Client({ connectionString: service.databaseUrl });
  await db.connect();
  cleanup.add('close the database client', () => db.end());
  const postgres = (await db.query<{ version: string }>('SELECT version()')).rows[0].version;
  const count = async () =>
    (
      await db.query<{ products: number; categories: number }>(
        'SELECT (SELECT count(*)::int FROM product) AS products, (SELECT count(*)::int FROM category) AS categories',
      )
    ).rows[0];

  const steps: Step[] = [];
  const problems: string[] = [];
  const expect = (ok: boolean, problem: string) => {
    if (!ok) {
      problems.push(problem);
      warn(problem);
    }
  };
  const step = (name: string, seconds: number, bytes: number, rowCount: number, detail: string) => {
    const measured: Step = {
      name,
      seconds,
      bytes,
      rows: rowCount,
      rowsPerSecond: rowCount / Math.max(seconds, 0.001),
      peakRssBytes: rss.takeWindowPeak(),
      detail,
    };
    steps.push(measured);
    log(
      `  ${name.padEnd(16)} ${seconds.toFixed(2).padStart(7)} s  ${measured.rowsPerSecond.toFixed(0).padStart(7)} rows/s  ` +
        `peak RSS ${(measured.peakRssBytes / 1024 ** 2).toFixed(0)} MiB  ${detail}`,
    );
  };

  const importFile = async (name: string, body: Buffer) => {
    rss.takeWindowPeak();
    const start = performance.now();
    const response = await fetch(`${service.url}/api/v1/products/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv; charset=utf-8', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const seconds = (performance.now() - start) / 1000;
    if (response.status !== 200)
      throw new Error(`${name}: ${response.status} ${text.slice(0, 600)}`);
    const result = JSON.parse(text) as ImportResult;
    step(name, seconds, body.length, result.created + result.updated, JSON.stringify(result));
    return result;
  };

  const exportAs = async (name: string, accept: string) => {
    rss.takeWindowPeak();
    const start = performance.now();
    const response = await fetch(`${service.url}/api/v1/products/export`, {
      headers: { accept },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.status !== 200 || !response.body) throw new Error(`${name}: ${response.status}`);
    const chunks: Uint8Array[] = [];
    let firstByteSeconds: number | undefined;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      firstByteSeconds ??= (performance.now() - start) / 1000;
      chunks.push(chunk);
    }
    const seconds = (performance.now() - start) / 1000;
    const body = Buffer.concat(chunks);
    // NDJSON has one line per product; CSV's rows may hold quoted line breaks, so count NDJSON's.
    const lines = body
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '').length;
    const rowCount = accept === 'text/csv' ? lines - 1 : lines;
    step(
      name,
      seconds,
      body.length,
      rowCount,
      `first byte after ${(firstByteSeconds ?? seconds).toFixed(2)} s`,
    );
    return { body, rowCount };
  };

  log(`importing ${rows} rows into the empty catalog, exporting them, importing the export back`);
  const first = await importFile('import (create)', file);
  const afterFirst = await count();
  expect(
    first.created === rows && first.updated === 0,
    `import: ${JSON.stringify(first)}, not ${rows} created`,
  );
  expect(
    afterFirst.products === rows,
    `import: ${afterFirst.products} products in the catalog, not ${rows}`,
  );
  expect(
    first.categories_created === afterFirst.categories,
    `import: ${first.categories_created} categories created, the catalog holds ${afterFirst.categories}`,
  );
  await db.query('VACUUM (ANALYZE) product');
  const csv = await exportAs('export CSV', 'text/csv');
  const ndjson = await exportAs('export NDJSON', 'application/x-ndjson');
  expect(ndjson.rowCount === rows, `NDJSON export: ${ndjson.rowCount} lines, not ${rows}`);
  const second = await importFile('import (update)', csv.body);
  expect(
    second.created === 0 && second.updated === rows && second.categories_created === 0,
    `re-import of the export: ${JSON.stringify(second)}, not ${rows} updated and nothing created`,
  );
  const afterSecond = await count();
  expect(
    afterSecond.products === afterFirst.products &&
      afterSecond.categories === afterFirst.categories,
    `re-import of the export changed the counts: ${JSON.stringify(afterSecond)}`,
  );

  const serviceLog = readLog(service.logFile);
  const highWaterMarkBytes = rss.highWaterMark() ?? null;
  await cleanup.run();
  clearTimeout(watchdog);

  const slowest = (prefix: string) =>
    Math.max(...steps.filter((s) => s.name.startsWith(prefix)).map((s) => s.seconds));
  const targets = [
    {
      name: `${rows} rows import in under ${IMPORT_TARGET_SECONDS} s`,
      met: slowest('import') < IMPORT_TARGET_SECONDS,
      detail: `slowest import ${slowest('import').toFixed(2)} s`,
    },
    {
      name: `${rows} rows export in under ${EXPORT_TARGET_SECONDS} s`,
      met: slowest('export') < EXPORT_TARGET_SECONDS,
      detail: `slowest export ${slowest('export').toFixed(2)} s`,
    },
    {
      name: 'Counts as expected',
      met: problems.length === 0,
      detail: problems.join('; ') || 'all',
    },
  ];
  const report = {
    date: new Date().toISOString(),
    command: commandLine('bench:transfer'),
    machine: machineInfo(postgres, loadBefore),
    settings: {
      rows,
      categories,
      categoriesNamed: linked.size,
      seed,
      poolSize,
      fileBytes: file.length,
      database: service.embedded
        ? 'embedded PostgreSQL (fresh temporary data folder)'
        : 'a fresh database on BENCH_DATABASE_URL',
    },
    steps,
    targets,
    service: {
      exitCode,
      highWaterMarkBytes,
      errorLines: (serviceLog.match(/"level":(50|60|"error"|"fatal")/g) ?? []).length,
    },
    totalSeconds: (Date.now() - startedAt) / 1000,
  };
  await writeFormatted(join(RAW_RESULTS, 'transfer.json'), JSON.stringify(report, null, 2));
  await writeFormatted(join(RESULTS, 'transfer.md'), markdown(report));
  for (const target of targets)
    log(`${target.met ? 'met   ' : 'MISSED'} ${target.name}: ${target.detail}`);
  log(
    `wrote bench/results/transfer.md and raw/transfer.json in ${report.totalSeconds.toFixed(0)} s`,
  );
  if (problems.length > 0 || exitCode !== 0) process.exitCode = 1;
}

function markdown(report: {
  date: string;
  command: string;
  machine: ReturnType<typeof machineInfo>;
  settings: {
    rows: number;
    categoriesNamed: number;
    fileBytes: number;
    poolSize: number;
    database: string;
  };
  steps: Step[];
  targets: Array<{ name: string; met: boolean; detail: string }>;
}): string {
  const { machine, settings } = report;
  const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
  return [
    '# Bulk import and export',
    '',
    `${report.date} · \`${report.command}\``,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ` +
      `Node ${machine.node}, ${machine.platform}, ${machine.postgres}. Load average before ` +
      `${machine.loadAverageBefore.join(' ')}. The service, PostgreSQL and the client share these cores.`,
    '',
    `${settings.rows} generated products in ${settings.categoriesNamed} categories (their paths from the root), ` +
      `one CSV file of ${mib(settings.fileBytes)} MiB, on ${settings.database}, pool ${settings.poolSize}. ` +
      'Each step is one request, timed from its start to the last byte of its answer.',
    '',
    '| step | seconds | rows/s | MiB | peak RSS of the service (MiB) | answer |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...report.steps.map(
      (s) =>
        `| ${s.name} | ${s.seconds.toFixed(2)} | ${s.rowsPerSecond.toFixed(0)} | ${mib(s.bytes)} | ${mib(s.peakRssBytes)} | ${s.detail.replace(/\|/g, '\\|')} |`,
    ),
    '',
    '## Targets of issue 16',
    '',
    ...report.targets.map((t) => `- ${t.met ? 'met' : '**missed**'}: ${t.name} (${t.detail})`),
    '',
  ].join('\n');
}

runScript('transfer benchmark', cleanup, main);
