import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCategory, createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { requestStatementsInto } from '../utils/statements';

describe('Conditional requests (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe.each([
    ['products', () => createProduct(t.http), (id: number) => ({ title: `Changed ${id}` })],
    ['categories', () => createCategory(t.http), (id: number) => ({ name: `Changed ${id}` })],
  ])('%s', (resource, create, change) => {
    it('should answer 304 with no body while the ETag matches, and 200 once it changed', async () => {
      const { id } = await create();
      const first = await api().get(`/api/v1/${resource}/${id}`).expect(200);
      const etag = first.headers.etag;
      expect(etag).toMatch(/^"\d+"$/);
      const notModified = await api()
        .get(`/api/v1/${resource}/${id}`)
        .set('If-None-Match', etag)
        .expect(304);
      expect(notModified.text).toBe('');
      await api()
        .get(`/api/v1/${resource}/${id}`)
        .set('If-None-Match', `W/${etag}, "1"`)
        .expect(304);

      const patched = await api().patch(`/api/v1/${resource}/${id}`).send(change(id)).expect(200);
      expect(patched.headers.etag).not.toBe(etag);
      const changed = await api()
        .get(`/api/v1/${resource}/${id}`)
        .set('If-None-Match', etag)
        .expect(200);
      expect(changed.body).toMatchObject(change(id));
      expect(changed.headers.etag).toBe(patched.headers.etag);
    });

    it('should refuse a PATCH or DELETE whose If-Match is out of date with 412, writing nothing', async () => {
      const { id } = await create();
      const stale = (await api().get(`/api/v1/${resource}/${id}`)).headers.etag;
      const fresh = (
        await api()
          .patch(`/api/v1/${resource}/${id}`)
          .set('If-Match', stale)
          .send(change(id))
          .expect(200)
      ).headers.etag;

      const refused = await api()
        .patch(`/api/v1/${resource}/${id}`)
        .set('If-Match', stale)
        .send(resource === 'products' ? { title: 'Lost update' } : { name: 'Lost update' })
        .expect(412);
      expect(refused.body).toMatchObject({ status: 412, code: 'precondition_failed' });
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', stale).expect(412);
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', `W/${fresh}`).expect(412);
      await api()
        .patch(`/api/v1/${resource}/${id}`)
        .set('If-Match', '"garbage"')
        .send({})
        .expect(412);
      const unchanged = await api().get(`/api/v1/${resource}/${id}`).expect(200);
      expect(unchanged.body).toMatchObject(change(id));
      expect(unchanged.headers.etag).toBe(fresh);

      await api().patch(`/api/v1/${resource}/${id}`).set('If-Match', '*').send({}).expect(200);
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', fresh).expect(204);
      await api().delete(`/api/v1/${resource}/${id}`).set('If-Match', fresh).expect(404);
      await api()
        .patch(`/api/v1/${resource}/${id}`)
        .set('If-Match', '*')
        .send(change(id))
        .expect(404);
    });

    it('should let exactly one of racing PATCHes with the same If-Match win', async () => {
      const { id } = await create();
      const etag = (await api().get(`/api/v1/${resource}/${id}`)).headers.etag;
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          api()
            .patch(`/api/v1/${resource}/${id}`)
            .set('If-Match', etag)
            .send(
              resource === 'products' ? { title: `Racer ${index}` } : { name: `Racer ${index}` },
            ),
        ),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([
        200,
        ...Array<number>(7).fill(412),
      ]);
    });
  });

  it('should change a product ETag when deleting its category unlinks it', async () => {
    const category = await createCategory(t.http);
    const product = await createProduct(t.http, { category_id: category.id });
    const etag = (await api().get(`/api/v1/products/${product.id}`)).headers.etag;
    await api().delete(`/api/v1/categories/${category.id}`).expect(204);
    const read = await api()
      .get(`/api/v1/products/${product.id}`)
      .set('If-None-Match', etag)
      .expect(200);
    expect(read.body.category_id).toBeNull();
  });

  it('should tag creates, so a client can make a conditional write right away', async () => {
    const response = await api()
      .post('/api/v1/products')
      .send({ title: 'Tagged', sku: 'TAGGED-1', price: 1 })
      .expect(201);
    await api()
      .patch(`/api/v1/products/${response.body.id}`)
      .set('If-Match', response.headers.etag)
      .send({ price: 2 })
      .expect(200);
  });

  describe('lists and searches', () => {
    const reads = (categoryId: number) => [
      '/api/v1/products/search?q=tagged',
      '/api/v1/products?limit=5',
      `/api/v1/products?ids=1,2`,
      '/api/v1/categories',
      `/api/v1/categories/${categoryId}/tree`,
      `/api/v1/categories/${categoryId}/ancestors`,
    ];

    it('should answer 304 while the catalog is unchanged, and 200 after any write', async () => {
      const category = await createCategory(t.http);
      for (const path of reads(category.id)) {
        const first = await api().get(path).expect(200);
        expect(first.headers.etag).toMatch(/^W\/"c\d+"$/);
        await api().get(path).set('If-None-Match', first.headers.etag).expect(304);

        await createProduct(t.http); // any write
        const after = await api().get(path).set('If-None-Match', first.headers.etag).expect(200);
        expect(after.headers.etag).not.toBe(first.headers.etag);
      }
    });

    it('should not answer If-None-Match: * with 304 for a category that does not exist', async () => {
      await api().get('/api/v1/categories/987654321/tree').set('If-None-Match', '*').expect(404);
      await api()
        .get('/api/v1/products/search?category_id=987654321')
        .set('If-None-Match', '*')
        .expect(404);
    });

    it('should notice writes made outside this instance', async () => {
      const path = '/api/v1/products/search?q=outside';
      await api().get(path); // the version is known from here on
      const etag = (await api().get(path).expect(200)).headers.etag;
      await t.app
        .get(DataSource)
        .query(`INSERT INTO product (title, sku, price) VALUES ('Made outside', 'OUTSIDE-1', 1)`);
      const deadline = Date.now() + 5_000;
      let status = 304;
      while (status === 304 && Date.now() < deadline) {
        status = (await api().get(path).set('If-None-Match', etag)).status;
      }
      expect(status).toBe(200);
      const fresh = await api().get(path).expect(200);
      expect(fresh.body.items.map((product: { title: string }) => product.title)).toEqual([
        'Made outside',
      ]);
    });

    it('should answer a list read before a category delete with 200 and the products unlinked', async () => {
      const category = await createCategory(t.http);
      const product = await createProduct(t.http, { category_id: category.id });
      const path = `/api/v1/products?ids=${product.id}`;
      const before = await api().get(path).expect(200);
      expect(before.body.items.map((item: { category_id: number }) => item.category_id)).toEqual([
        category.id,
      ]);
      await api().delete(`/api/v1/categories/${category.id}`).expect(204);
      const after = await api().get(path).set('If-None-Match', before.headers.etag).expect(200);
      expect(after.body.items.map((item: { category_id: number }) => item.category_id)).toEqual([
        null,
      ]);
    });
  });
  describe('result cache', () => {
    const cacheHits = async () => {
      const metrics = (await api().get('/metrics').expect(200)).text;
      return Number(/^catalog_result_cache_total\{outcome="hit"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    };
    const titles = (response: request.Response) =>
      (response.body as { items: Array<{ title: string }> }).items.map((product) => product.title);

    it.each(['/api/v1/products/search?q=Cached', '/api/v1/products?limit=100'])(
      'should answer %s again from the cache while the catalog is unchanged, and never after a write',
      async (path) => {
        await createProduct(t.http, { title: `Cached lamp ${path}` });
        const first = await api().get(path).expect(200);

        const statements: string[] = [];
        const dataSource = t.app.get(DataSource);
        dataSource.subscribers.push(requestStatementsInto(statements));
        const hitsBefore = await cacheHits();
        const again = await api().get(path).expect(200);
        dataSource.subscribers.pop();
        expect(again.body).toEqual(first.body);
        expect(await cacheHits()).toBe(hitsBefore + 1);
        expect(statements.filter((sql) => sql.includes('"product"'))).toEqual([]);

        await createProduct(t.http, { title: `Cached chair ${path}` });
        const after = await api().get(path).expect(200);
        expect(after.body.total).toBe(first.body.total + 1);
        expect(titles(after)).toContain(`Cached chair ${path}`);
      },
    );
    it('should answer every one of many different searches at once with a one-entry cache', async () => {
      const small = await createTestApp({ RESULT_CACHE_ENTRIES: '1' });
      try {
        const statuses = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            request(small.http)
              .get(`/api/v1/products/search?q=evicted-${index}`)
              .then((response) => response.status),
          ),
        );
        expect(statuses).toEqual(Array.from({ length: 20 }, () => 200));
      } finally {
        await small.close();
      }
    });
  });
});
