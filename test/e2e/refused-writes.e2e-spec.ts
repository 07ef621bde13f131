import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCategory, createProduct, uniqueSku } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { requestStatementsInto } from '../utils/statements';

/** The milliseconds `send` took to answer, after checking its status. */
async function timed(status: number, send: () => request.Test): Promise<number> {
  const started = performance.now();
  const { status: answered } = await send();
  const elapsed = performance.now() - started;
  expect(answered).toBe(status);
  return elapsed;
}

describe('Refused writes (e2e)', () => {
  describe('with Redis unreachable', () => {
    let t: TestApp;
    const api = () => request(t.http);

    beforeAll(async () => {
      // Nothing listens on port 1: a write that forgets the catalog version waits a second.
      t = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:1/0' });
    });
    afterAll(() => t.close());

    it('should answer refused writes at once and keep the list ETag, while a create still waits', async () => {
      const product = await createProduct(t.http);
      const stale = (await api().get(`/api/v1/products/${product.id}`).expect(200)).headers.etag;
      await api().patch(`/api/v1/products/${product.id}`).send({ title: 'Changed' }).expect(200);
      const list = await api().get('/api/v1/products').expect(200);

      const refused = {
        'an invalid create': await timed(422, () =>
          api().post('/api/v1/products').send({ title: '', sku: 'ok', price: 'free' }),
        ),
        'a duplicate SKU': await timed(409, () =>
          api().post('/api/v1/products').send({ title: 'Twin', sku: product.sku, price: '1.00' }),
        ),
        'an unknown category': await timed(422, () =>
          api()
            .post('/api/v1/products')
            .send({ title: 'Lost', sku: uniqueSku(), price: '1.00', category_id: 987654321 }),
        ),
        'a stale If-Match': await timed(412, () =>
          api()
            .patch(`/api/v1/products/${product.id}`)
            .set('If-Match', stale)
            .send({ title: 'Too late' }),
        ),
        'a PATCH of a missing product': await timed(404, () =>
          api().patch('/api/v1/products/987654321').send({ title: 'Nobody' }),
        ),
        'a child of a missing category': await timed(422, () =>
          api().post('/api/v1/categories').send({ name: 'Orphan', parent_id: 987654321 }),
        ),
      };
      expect(Object.entries(refused).filter(([, ms]) => ms >= 500)).toEqual([]);

      await api().get('/api/v1/products').set('If-None-Match', list.headers.etag).expect(304);

      // A write that committed still forgets the version, and waits before it answers.
      const created = await timed(201, () =>
        api().post('/api/v1/products').send({ title: 'Kept', sku: uniqueSku(), price: '1.00' }),
      );
      expect(created).toBeGreaterThanOrEqual(950);
      await api().get('/api/v1/products').set('If-None-Match', list.headers.etag).expect(200);
    });
  });

  describe('without Redis', () => {
    let t: TestApp;
    const api = () => request(t.http);

    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('should still know the catalog version after a refused write: the revalidation runs no SQL', async () => {
      const category = await createCategory(t.http);
      const list = await api().get('/api/v1/categories').expect(200);
      await api().post('/api/v1/categories').send({ name: category.name }).expect(409);
      await api().post('/api/v1/categories').send({ name: '' }).expect(422);

      const statements: string[] = [];
      const dataSource = t.app.get(DataSource);
      dataSource.subscribers.push(requestStatementsInto(statements));
      await api().get('/api/v1/categories').set('If-None-Match', list.headers.etag).expect(304);
      dataSource.subscribers.pop();
      expect(statements).toEqual([]);
    });
  });
});
