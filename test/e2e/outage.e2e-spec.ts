import { Client } from 'pg';
import request from 'supertest';
import { StandalonePostgres } from '../utils/standalone-postgres';
import { createTestApp, TestApp } from '../utils/test-app';

describe('Database outage (e2e)', () => {
  let postgres: StandalonePostgres;
  let t: TestApp;

  beforeAll(async () => {
    postgres = await StandalonePostgres.create();
    t = await createTestApp({}, { database: { url: postgres.url, drop: () => Promise.resolve() } });
  });
  afterAll(async () => {
    // A failed freeze test must not leave a frozen server behind (pg_ctl stop would wait on it).
    await postgres.thaw().catch(() => undefined);
    await t.close();
    await postgres.destroy();
  });

  it('should answer 503 problems fast while PostgreSQL is down, stay live, and recover by itself', async () => {
    const created = await request(t.http)
      .post('/api/v1/products')
      .send({ title: 'Before the outage', sku: 'OUTAGE-1', price: '1.00' })
      .expect(201);

    await postgres.stop();
    for (const call of [
      () => request(t.http).get(`/api/v1/products/${created.body.id}`),
      () => request(t.http).get('/api/v1/products/search?q=outage'),
      () => request(t.http).post('/api/v1/categories').send({ name: 'During the outage' }),
    ]) {
      const started = Date.now();
      const response = await call();
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expect(response.body).toMatchObject({ status: 503, code: 'database_unavailable' });
      expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|terminat|pg|at \//);
    }
    await request(t.http).get('/health').expect(503);
    await request(t.http).get('/health/live').expect(200);

    await postgres.start();
    const deadline = Date.now() + 15_000;
    while ((await request(t.http).get('/health')).status !== 200) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await request(t.http).get(`/api/v1/products/${created.body.id}`).expect(200);
    await request(t.http).post('/api/v1/categories').send({ name: 'After the outage' }).expect(201);
  });

  it('should answer 503 problems within the query timeout while PostgreSQL is frozen, and recover after the thaw', async () => {
    const QUERY_TIMEOUT_MS = 1_000;
    const POOL_TIMEOUT_MS = 1_000;
    const frozen = await createTestApp(
      {
        DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        DB_POOL_TIMEOUT_MS: String(POOL_TIMEOUT_MS),
      },
      { database: { url: postgres.url, drop: () => Promise.resolve() } },
    );
    const observer = new Client({ connectionString: postgres.url });
    try {
      const created = await request(frozen.http)
        .post('/api/v1/products')
        .send({ title: 'Before the freeze', sku: 'FROZEN-1', price: '1.00' })
        .expect(201);

      await postgres.freeze();
      try {
        // The create first: its BEGIN is then the statement left on a connection at the thaw.
        for (const call of [
          () => request(frozen.http).post('/api/v1/categories').send({ name: 'Frozen' }),
          () => request(frozen.http).get(`/api/v1/products/${created.body.id}`),
          () => request(frozen.http).get('/api/v1/products/search?q=freeze'),
          () => request(frozen.http).get('/health'),
        ]) {
          const started = Date.now();
          const response = await call().timeout(15_000);
          expect(Date.now() - started).toBeLessThan(QUERY_TIMEOUT_MS + POOL_TIMEOUT_MS);
          expect(response.status).toBe(503);
          expect(response.headers['content-type']).toMatch(/problem\+json/);
          expect(response.body).toMatchObject({ status: 503, code: 'database_unavailable' });
          expect(JSON.stringify(response.body)).not.toMatch(/read timeout|terminat|pg|at \//i);
        }
      } finally {
        await postgres.thaw();
      }

      const deadline = Date.now() + 15_000;
      while ((await request(frozen.http).get('/health')).status !== 200) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await request(frozen.http).get(`/api/v1/products/${created.body.id}`).expect(200);
      await request(frozen.http)
        .post('/api/v1/products')
        .send({ title: 'After the thaw', sku: 'THAWED-1', price: '1.00' })
        .expect(201);
      // Committed, so another connection sees it, and no connection was left inside a transaction.
      await observer.connect();
      const { rows } = await observer.query<{ sku: string }>(
        `SELECT sku FROM product WHERE sku = 'THAWED-1'`,
      );
      expect(rows).toEqual([{ sku: 'THAWED-1' }]);
      const { rows: open } = await observer.query<{ state: string }>(
        `SELECT state FROM pg_stat_activity
         WHERE application_name = 'catalog-service' AND xact_start IS NOT NULL`,
      );
      expect(open).toEqual([]);
    } finally {
      await observer.end().catch(() => undefined);
      await frozen.close();
    }
  });
});
