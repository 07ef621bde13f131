/**
 * The plans of the two report statements at scale: an embedded PostgreSQL in a temporary folder,
 * migrated, seeded directly with SQL (5,000 categories in 10 roots of ~500 each, 100,000 products
 * of which 10% inactive, ratings for half of them, 50,000 orders of 4 lines, 10% cancelled, and
 * the products' sales summaries), then EXPLAIN (ANALYZE, BUFFERS) and serial timings of the very
 * SQL the repositories build.
 *
 *   node -r ts-node/register/transpile-only bench/report-plans.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { CategoriesRepository } from '../src/modules/categories/categories.repository';
import { Category } from '../src/modules/categories/category.entity';
import { Product } from '../src/modules/products/product.entity';
import { ReportsRepository } from '../src/modules/reports/reports.repository';
import { freePort } from '../test/utils/test-database-server';

const SEED = [
  `INSERT INTO category (name, parent_id)
   SELECT 'Category ' || i, CASE WHEN i <= 10 THEN NULL ELSE (i - 11) / 5 + 1 END
   FROM generate_series(1, 5000) i`,
  `INSERT INTO product (title, sku, price, category_id, is_active)
   SELECT 'Product ' || i, 'SKU-' || i, (1 + (i * 7919) % 99900) / 100.0, 1 + i % 5000, i % 10 <> 0
   FROM generate_series(1, 100000) i`,
  `UPDATE inventory SET quantity = (product_id * 31) % 500`,
  `INSERT INTO product_rating (product_id, count, sum, count_1, count_2, count_3, count_4, count_5)
   SELECT id, 1 + id % 5 + 1 + id % 3, 5 * (1 + id % 5) + 3 * (1 + id % 3), 0, 0,
     1 + id % 3, 0, 1 + id % 5
   FROM product WHERE id % 2 = 0`,
  `INSERT INTO customer (email, name) SELECT 'c' || i || '@example.com', 'C' || i FROM generate_series(1, 1000) i`,
  `INSERT INTO "order" (customer_id, status, item_count, total)
   SELECT 1 + i % 1000, CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'paid' END, 4, 0
   FROM generate_series(1, 50000) i`,
  `INSERT INTO order_line (order_id, position, product_id, sku, title, unit_price, quantity, line_total)
   SELECT o.id, n, p.id, p.sku, p.title, p.price, 1 + n, p.price * (1 + n)
   FROM "order" o CROSS JOIN generate_series(1, 4) n
   JOIN product p ON p.id = 1 + (o.id * 4 + n) * 48271 % 100000`,
  // What the order statements would have counted (orders inserted directly skip them).
  `INSERT INTO product_sales (product_id, units_sold, revenue)
   SELECT l.product_id, sum(l.quantity), sum(l.line_total)
   FROM order_line l JOIN "order" o ON o.id = l.order_id
   WHERE o.status <> 'cancelled' GROUP BY l.product_id`,
];

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'report-plans-'));
  const embedded = await startEmbeddedPostgres(dataDir, await freePort());
  const dataSource = await new DataSource(
    dataSourceOptions({
      url: embedded.url,
      poolSize: 2,
      runMigrations: true,
      // The bulk seed runs for longer than any request may.
      queryTimeoutMs: 600_000,
    }),
  ).initialize();
  try {
    const seeder = dataSource.createQueryRunner();
    // A bulk load, not a request: no statement timeout.
    await seeder.query('SET statement_timeout = 0');
    for (const statement of SEED) await seeder.query(statement);
    await seeder.release();
    // What the service's fold does within a second of the writes.
    await new ReportsRepository(dataSource.getRepository(Product)).fold();
    await dataSource.query('VACUUM ANALYZE');
    const [sizes] = await dataSource.query<Array<Record<string, string>>>(
      `SELECT (SELECT count(*) FROM category) AS categories, (SELECT count(*) FROM product) AS products,
         (SELECT count(*) FROM order_line) AS order_lines,
         (SELECT count(*) FROM product WHERE category_id IN (
           WITH RECURSIVE s AS (SELECT id FROM category WHERE id = 1
             UNION ALL SELECT c.id FROM category c JOIN s ON c.parent_id = s.id) SELECT id FROM s)
         ) AS root_1_products`,
    );
    console.log(sizes);
    if (process.env.KEEP === '1') {
      // For experiments with psql: the server stays up until the process is stopped.
      console.log(`seeded: ${embedded.url}`);
      await new Promise(() => undefined);
    }

    // Captures the SQL a repository method sends instead of running it.
    let captured: [string, unknown[]] | undefined;
    const query = dataSource.query.bind(dataSource);
    dataSource.query = ((sql: string, parameters: unknown[]) => {
      captured = [sql, parameters];
      return Promise.resolve([{}]);
    }) as typeof dataSource.query;
    const categories = new CategoriesRepository(dataSource.getRepository(Category));
    const reports = new ReportsRepository(dataSource.getRepository(Product));
    await reports.findOne(categories.subtreeRows('1'));
    const one = captured!;
    await reports.findPage(categories.childSubtreeRows({ parentId: null, limit: 21, offset: 0 }));
    const roots = captured!;
    dataSource.query = query;

    for (const [name, [sql, parameters]] of [
      ['report of root 1', one],
      ['per-root listing', roots],
    ] as const) {
      const plan = await query<Array<{ 'QUERY PLAN': string }>>(
        `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
        parameters,
      );
      console.log(`\n## ${name}\n${plan.map((row) => row['QUERY PLAN']).join('\n')}`);
      const times: number[] = [];
      for (let run = 0; run < 20; run++) {
        const start = performance.now();
        await query(sql, parameters);
        times.push(performance.now() - start);
      }
      times.sort((x, y) => x - y);
      console.log(
        `${name}: 20 serial runs, p50 ${times[9].toFixed(1)} ms, p95 ${times[18].toFixed(1)} ms`,
      );
    }
  } finally {
    await dataSource.destroy();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
