import { getRepositoryToken } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource, Repository } from 'typeorm';
import { fingerprintOf } from '../../src/idempotency/idempotency.interceptor';
import { IdempotencyKey } from '../../src/idempotency/idempotency-key.entity';
import { CLAIM_ATTEMPTS } from '../../src/idempotency/idempotency.repository';
import { uniqueSku } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

describe('Idempotent creates (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  const sql = <T>(query: string, parameters: unknown[] = []) =>
    t.app.get(DataSource).query<T>(query, parameters);
  const countBySku = async (sku: string) =>
    Number(
      (await sql<Array<{ count: string }>>('SELECT count(*) FROM product WHERE sku = $1', [sku]))[0]
        .count,
    );

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('should replay the first response for a retry with the same key and body, creating nothing new', async () => {
    const sku = uniqueSku();
    const first = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'order-1')
      .send({ title: 'Once only', sku, price: '3.50' })
      .expect(201);
    const retry = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'order-1')
      .send({ price: '3.50', sku, title: 'Once only' })
      .expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await countBySku(sku)).toBe(1);
  });

  it('should answer 422 for the same key with another body or on another route', async () => {
    await api()
      .post('/api/v1/categories')
      .set('Idempotency-Key', 'cat-1')
      .send({ name: 'Idem root' })
      .expect(201);
    const reused = await api()
      .post('/api/v1/categories')
      .set('Idempotency-Key', 'cat-1')
      .send({ name: 'Another root' })
      .expect(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const otherRoute = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'cat-1')
      .send({ title: 'Idem product', sku: uniqueSku(), price: '1.00' })
      .expect(422);
    expect(otherRoute.body.code).toBe('idempotency_key_reused');
  });

  it('should answer 409 while the first request is still in flight', async () => {
    const body = { name: 'In flight' };
    const fingerprint = fingerprintOf('POST', '/api/v1/categories', body);
    await sql(`INSERT INTO idempotency_key (key, fingerprint) VALUES ('busy-1', $1)`, [
      fingerprint,
    ]);
    const response = await api()
      .post('/api/v1/categories')
      .set('Idempotency-Key', 'busy-1')
      .send(body)
      .expect(409);
    expect(response.body.code).toBe('idempotency_in_flight');
  });

  it('should answer 409 after a few attempts when the key changes hands before every read', async () => {
    const holder = fingerprintOf('POST', '/api/v1/categories', { name: 'Holder' });
    const takeKey = () =>
      sql(`INSERT INTO idempotency_key (key, fingerprint) VALUES ('churn-1', $1)`, [holder]);
    await takeKey();
    // The race the claim retries, every time: its insert finds the key held, the holder releases
    // it before the claim reads who holds it, and another request takes it again right after.
    const keys = t.app.get<Repository<IdempotencyKey>>(getRepositoryToken(IdempotencyKey));
    const read = keys.findOneBy.bind(keys);
    const reads = jest.spyOn(keys, 'findOneBy').mockImplementation(async (where) => {
      await sql(`DELETE FROM idempotency_key WHERE key = 'churn-1'`);
      const found = await read(where);
      await takeKey();
      return found;
    });
    try {
      const response = await api()
        .post('/api/v1/categories')
        .set('Idempotency-Key', 'churn-1')
        .send({ name: 'Churned' })
        .timeout(5_000);
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('idempotency_in_flight');
      expect(reads).toHaveBeenCalledTimes(CLAIM_ATTEMPTS);
    } finally {
      reads.mockRestore();
    }
  });

  it('should take over a claim abandoned for over a minute', async () => {
    const body = { name: 'Abandoned' };
    await sql(
      `INSERT INTO idempotency_key (key, fingerprint, created_at) VALUES ('dead-1', $1, now() - interval '2 minutes')`,
      [fingerprintOf('POST', '/api/v1/categories', body)],
    );
    await api().post('/api/v1/categories').set('Idempotency-Key', 'dead-1').send(body).expect(201);
  });

  it('should run a retry again when the first attempt failed', async () => {
    const sku = uniqueSku();
    const blocker = await api()
      .post('/api/v1/products')
      .send({ title: 'Blocker', sku, price: 1 })
      .expect(201);
    const body = { title: 'Second try', sku, price: 1 };
    await api().post('/api/v1/products').set('Idempotency-Key', 'retry-1').send(body).expect(409);
    await api().delete(`/api/v1/products/${blocker.body.id}`).expect(204);
    const created = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'retry-1')
      .send(body)
      .expect(201);
    expect(created.body.title).toBe('Second try');
  });

  it('should create once when retries race, every 201 carrying the same product', async () => {
    const sku = uniqueSku();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        api()
          .post('/api/v1/products')
          .set('Idempotency-Key', 'race-1')
          .send({ title: 'Raced', sku, price: 1 }),
      ),
    );
    const created = responses.filter((response) => response.status === 201);
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status !== 201 && status !== 409)).toEqual([]);
    expect(new Set(created.map((response) => response.body.id)).size).toBe(1);
    expect(await countBySku(sku)).toBe(1);
  });

  it('should treat a key older than 24 hours as new', async () => {
    const body = { title: 'Expiring', sku: uniqueSku(), price: 1 };
    const first = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'old-1')
      .send(body)
      .expect(201);
    await sql(
      `UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE key = 'old-1'`,
    );
    await api().delete(`/api/v1/products/${first.body.id}`).expect(204);
    const again = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'old-1')
      .send(body)
      .expect(201);
    expect(again.body.id).not.toBe(first.body.id);
  });

  it('should refuse a key longer than 255 characters', async () => {
    const response = await api()
      .post('/api/v1/categories')
      .set('Idempotency-Key', 'k'.repeat(256))
      .send({ name: 'Long key' })
      .expect(422);
    expect(response.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('should replay after a restart of the service', async () => {
    const body = { title: 'Survives restarts', sku: uniqueSku(), price: 1 };
    const first = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'restart-1')
      .send(body)
      .expect(201);
    const restarted = await createTestApp(
      {},
      { database: { url: t.database.url, drop: () => Promise.resolve() } },
    );
    try {
      const retry = await request(restarted.http)
        .post('/api/v1/products')
        .set('Idempotency-Key', 'restart-1')
        .send(body)
        .expect(201);
      expect(retry.body).toEqual(first.body);
    } finally {
      await restarted.close();
    }
  });
  it('should create nothing when the first answer cannot be stored, so that a retry creates exactly one', async () => {
    const sku = uniqueSku();
    const body = { title: 'Stored with its answer', sku, price: '4.00' };
    await sql(`
      CREATE FUNCTION refuse_answers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'answers cannot be stored'; END $$`);
    await sql(`
      CREATE TRIGGER refuse_answers BEFORE UPDATE ON idempotency_key
      FOR EACH ROW WHEN (NEW.status IS NOT NULL) EXECUTE FUNCTION refuse_answers()`);
    try {
      const failed = await api()
        .post('/api/v1/products')
        .set('Idempotency-Key', 'store-fails')
        .send(body);
      expect({ status: failed.status, code: failed.body.code }).toEqual({
        status: 500,
        code: 'internal_error',
      });
      expect(JSON.stringify(failed.body)).not.toMatch(/answers cannot be stored|refuse_answers/);
      expect(await countBySku(sku)).toBe(0);
    } finally {
      await sql('DROP TRIGGER refuse_answers ON idempotency_key');
      await sql('DROP FUNCTION refuse_answers()');
    }

    const retried = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'store-fails')
      .send(body)
      .expect(201);
    const replayed = await api()
      .post('/api/v1/products')
      .set('Idempotency-Key', 'store-fails')
      .send(body)
      .expect(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(retried.body);
    expect(await countBySku(sku)).toBe(1);
  });
});
