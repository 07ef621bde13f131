import request from 'supertest';
import { createProduct, uniqueSku } from '../factories/catalog.factory';
import { freshRedis, redisAnswers } from '../utils/redis';
import { createTestApp, TestApp } from '../utils/test-app';

const REDIS_URL = process.env.TEST_REDIS_URL_SCALE ?? 'redis://127.0.0.1:6379/8';
const SEARCH = '/api/v1/products/search?q=replica';

/**
 * Chosen before the tests are declared. CI has a Redis: there the tests always run, and fail
 * without one. Elsewhere, without a Redis, jest reports them as skipped, never as passed.
 */
const describeWithRedis = process.env.CI || redisAnswers(REDIS_URL) ? describe : describe.skip;
if (describeWithRedis === describe.skip)
  console.warn(`Skipping the two-instance checks: no Redis at ${REDIS_URL}`);

/**
 * Two instances of the service on one PostgreSQL and one Redis: what one knows of the other's
 * writes within a second, it knows through Redis.
 */
describeWithRedis('Two instances on one database and one Redis (e2e)', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    if (!(await freshRedis(REDIS_URL))) throw new Error(`No Redis at ${REDIS_URL}`);
    const env = { REDIS_URL, RATE_LIMIT_PER_MINUTE: '10000' };
    first = await createTestApp(env);
    second = await createTestApp(env, { database: first.database });
  });

  afterAll(async () => {
    // Either is undefined when beforeAll failed.
    await second?.app.close();
    await first?.close();
  });

  const ids = (response: request.Response): number[] =>
    (response.body as { items: Array<{ id: number }> }).items.map((product) => product.id);

  it('should never answer stale, 200 or 304, after a write acknowledged by the other instance', async () => {
    for (let round = 0; round < 10; round++) {
      const before = await request(second.http).get(SEARCH).expect(200);
      await request(second.http).get(SEARCH).set('If-None-Match', before.headers.etag).expect(304);

      const created = await createProduct(first.http, { title: `Replica lamp ${round}` });

      const revalidated = await request(second.http)
        .get(SEARCH)
        .set('If-None-Match', before.headers.etag)
        .expect(200);
      expect(ids(revalidated)).toContain(created.id);
      expect(revalidated.headers.etag).not.toBe(before.headers.etag);
      expect(ids(await request(second.http).get(SEARCH).expect(200))).toContain(created.id);
    }
  });

  it('should show the other instance a delete at once', async () => {
    const product = await createProduct(first.http, { title: 'Replica chair' });
    const before = await request(second.http).get(SEARCH).expect(200);
    expect(ids(before)).toContain(product.id);

    await request(first.http).delete(`/api/v1/products/${product.id}`).expect(204);

    const after = await request(second.http)
      .get(SEARCH)
      .set('If-None-Match', before.headers.etag)
      .expect(200);
    expect(ids(after)).not.toContain(product.id);
  });

  it('should never answer stale when the writing instance cannot reach Redis', async () => {
    const writer = await createTestApp(
      { REDIS_URL: 'redis://127.0.0.1:1' },
      { database: first.database },
    );
    try {
      const before = await request(second.http).get(SEARCH).expect(200);
      await request(second.http).get(SEARCH).set('If-None-Match', before.headers.etag).expect(304);

      // The write cannot replace the change token, so it answers only once the version the
      // other instance keeps has expired.
      const created = await createProduct(writer.http, { title: 'Replica stool' });

      const after = await request(second.http)
        .get(SEARCH)
        .set('If-None-Match', before.headers.etag)
        .expect(200);
      expect(ids(after)).toContain(created.id);
    } finally {
      await writer.app.close();
    }
  });

  it('should replay an idempotent create retried on the other instance', async () => {
    const body = { title: 'Replica desk', sku: uniqueSku(), price: '12.50' };
    const created = await request(first.http)
      .post('/api/v1/products')
      .set('Idempotency-Key', `scale-out-${body.sku}`)
      .send(body)
      .expect(201);

    const retried = await request(second.http)
      .post('/api/v1/products')
      .set('Idempotency-Key', `scale-out-${body.sku}`)
      .send(body)
      .expect(201);

    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body).toEqual(created.body);
    const found = await request(second.http).get(`/api/v1/products/search?q=${body.sku}`);
    expect(found.body.total).toBe(1);
  });

  it('should count requests to both instances against one rate-limit budget', async () => {
    const remaining = async (instance: TestApp) =>
      Number(
        (await request(instance.http).get('/api/v1/categories').expect(200)).headers[
          'ratelimit-remaining'
        ],
      );
    const afterFirst = await remaining(first);
    const afterSecond = await remaining(second);
    const afterFirstAgain = await remaining(first);
    expect([afterSecond, afterFirstAgain]).toEqual([afterFirst - 1, afterFirst - 2]);
  });
});

describe('Two instances whose Redis is unreachable (e2e)', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:1' };
    first = await createTestApp(env);
    second = await createTestApp(env, { database: first.database });
  });
  afterAll(async () => {
    await second.app.close();
    await first.close();
  });

  it('should still tag reads and answer 304, and, asking the database every time, never answer stale', async () => {
    const before = await request(second.http).get(SEARCH).expect(200);
    await request(second.http).get(SEARCH).set('If-None-Match', before.headers.etag).expect(304);

    const created = await createProduct(first.http, { title: 'Replica sofa' });

    const after = await request(second.http)
      .get(SEARCH)
      .set('If-None-Match', before.headers.etag)
      .expect(200);
    expect((after.body as { items: Array<{ id: number }> }).items.map((p) => p.id)).toContain(
      created.id,
    );
  });
});
