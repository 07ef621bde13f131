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
});
