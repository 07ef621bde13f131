import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCategory, createProduct, uniqueName } from '../factories/catalog.factory';
import { createReview } from '../factories/commerce.factory';
import { setStock } from '../factories/inventory.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { requestStatementsInto } from '../utils/statements';

/** Deactivation and `include` on every product read: get, list, batch and search. */
describe('Product reads: is_active and include (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  const ids = (response: request.Response) =>
    (response.body as { items: Array<{ id: number }> }).items.map((product) => product.id);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('is_active', () => {
    it('should leave inactive products out of lists and search unless include_inactive=true', async () => {
      const word = uniqueName('Dormant').replace(' ', '');
      const active = await createProduct(t.http, { title: `${word} on` });
      const inactive = await createProduct(t.http, { title: `${word} off`, is_active: false });
      expect(inactive.is_active).toBe(false);

      const found = await api().get(`/api/v1/products/search?q=${word}`).expect(200);
      expect(ids(found)).toEqual([active.id]);
      expect(found.body.total).toBe(1);
      const all = await api()
        .get(`/api/v1/products/search?q=${word}&include_inactive=true`)
        .expect(200);
      expect(ids(all)).toEqual([active.id, inactive.id]);
      expect(all.body.total).toBe(2);

      const listed = await api().get('/api/v1/products?limit=100').expect(200);
      expect(ids(listed)).toContain(active.id);
      expect(ids(listed)).not.toContain(inactive.id);
      const listedAll = await api()
        .get('/api/v1/products?limit=100&include_inactive=true')
        .expect(200);
      expect(ids(listedAll)).toEqual(expect.arrayContaining([active.id, inactive.id]));
    });

    it('should still answer an inactive product by id and in a batch', async () => {
      const inactive = await createProduct(t.http, { is_active: false });
      await api().get(`/api/v1/products/${inactive.id}`).expect(200, inactive);
      const batch = await api().get(`/api/v1/products?ids=${inactive.id}`).expect(200);
      expect(ids(batch)).toEqual([inactive.id]);
    });

    it('should change a search answer and its ETag when a product is deactivated', async () => {
      const word = uniqueName('Switch').replace(' ', '');
      const product = await createProduct(t.http, { title: word });
      const before = await api().get(`/api/v1/products/search?q=${word}`).expect(200);
      expect(ids(before)).toEqual([product.id]);
      await api().patch(`/api/v1/products/${product.id}`).send({ is_active: false }).expect(200);
      const after = await api()
        .get(`/api/v1/products/search?q=${word}`)
        .set('If-None-Match', before.headers.etag)
        .expect(200);
      expect(ids(after)).toEqual([]);
    });

    it.each([['yes'], ['1'], ['']])(
      'should refuse include_inactive=%s with a 422',
      async (value) => {
        const response = await api().get(`/api/v1/products?include_inactive=${value}`).expect(422);
        expect(response.body.errors).toEqual([
          { field: 'include_inactive', message: 'include_inactive must be true or false' },
        ]);
      },
    );

    it.each([['"false"'], ['0'], ['null']])(
      'should refuse is_active %s in a body with a 422',
      async (value) => {
        const response = await api()
          .post('/api/v1/products')
          .set('Content-Type', 'application/json')
          .send(`{"title":"T","sku":"ACTIVE-${value.length}","price":"1.00","is_active":${value}}`)
          .expect(422);
        expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([
          'is_active',
        ]);
      },
    );
  });

  describe('include', () => {
    it('should add the category, null for an unlinked product, on get, list, batch and search', async () => {
      const parent = await createCategory(t.http);
      const category = await createCategory(t.http, uniqueName('Leaf'), parent.id);
      const word = uniqueName('Linked').replace(' ', '');
      const linked = await createProduct(t.http, { title: word, category_id: category.id });
      const unlinked = await createProduct(t.http, { title: `${word} loose` });
      const summary = { id: category.id, name: category.name, parent_id: parent.id };

      const got = await api().get(`/api/v1/products/${linked.id}?include=category`).expect(200);
      expect(got.body).toEqual({ ...linked, category: summary });
      const batch = await api()
        .get(`/api/v1/products?ids=${linked.id},${unlinked.id}&include=category`)
        .expect(200);
      expect(batch.body.items).toEqual([
        { ...linked, category: summary },
        { ...unlinked, category: null },
      ]);
      const found = await api()
        .get(`/api/v1/products/search?q=${word}&include=category`)
        .expect(200);
      expect(found.body.items).toEqual([
        { ...linked, category: summary },
        { ...unlinked, category: null },
      ]);
      const listed = await api().get('/api/v1/products?limit=100&include=category').expect(200);
      expect(
        (listed.body.items as Array<{ id: number }>).find((item) => item.id === unlinked.id),
      ).toEqual({ ...unlinked, category: null });
    });

    it('should answer without include fields when include is not asked for', async () => {
      const product = await createProduct(t.http);
      const got = await api().get(`/api/v1/products/${product.id}`).expect(200);
      expect(got.body).not.toHaveProperty('category');
    });

    it.each([['price'], ['category,stock'], ['Category'], ['']])(
      'should refuse include=%s with a 422 naming the value',
      async (value) => {
        const response = await api().get(`/api/v1/products?include=${value}`).expect(422);
        expect(response.body.errors).toHaveLength(1);
        expect(response.body.errors[0].field).toBe('include');
        expect(response.body.errors[0].message).toContain(
          value.split(',').find((name) => name !== 'category') ?? value,
        );
        await api().get(`/api/v1/products/search?include=${value}`).expect(422);
        await api().get(`/api/v1/products/1?include=${value}`).expect(422);
      },
    );

    it('should add stock, rating and the 3 newest reviews, exact, on get, list, batch and search', async () => {
      const word = uniqueName('Rated').replace(' ', '');
      const rated = await createProduct(t.http, { title: word });
      const bare = await createProduct(t.http, { title: `${word} bare` });
      const stock = await setStock(t.http, rated.id, 7);
      const reviews = [];
      for (const rating of [4, 4, 5, 3])
        reviews.push(await createReview(t.http, rated.id, { rating }));
      const include = 'include=category,inventory,rating,reviews';
      const newest = reviews.slice(1).reverse();
      const full = {
        ...rated,
        category: null,
        inventory: { quantity: 7, updated_at: stock.updated_at },
        rating: { average: '4.00', count: 4 },
        reviews: newest,
      };
      const empty = {
        ...bare,
        category: null,
        inventory: { quantity: 0, updated_at: null },
        rating: { average: null, count: 0 },
        reviews: [],
      };

      await api().get(`/api/v1/products/${rated.id}?${include}`).expect(200, full);
      const batch = await api().get(`/api/v1/products?ids=${rated.id},${bare.id}&${include}`);
      expect(batch.body.items).toEqual([full, empty]);
      const found = await api().get(`/api/v1/products/search?q=${word}&${include}`).expect(200);
      expect(found.body.items).toEqual([full, empty]);
      const listed = await api().get(`/api/v1/products?limit=100&${include}`).expect(200);
      expect(
        (listed.body.items as Array<{ id: number }>).filter((item) =>
          [rated.id, bare.id].includes(item.id),
        ),
      ).toEqual([full, empty]);
    });

    it('should never answer 304 for a product read with include after its stock changed', async () => {
      const product = await createProduct(t.http);
      const url = `/api/v1/products/${product.id}?include=inventory`;
      const first = await api().get(url).expect(200);
      await api().get(url).set('If-None-Match', first.headers.etag).expect(304);
      await setStock(t.http, product.id, 3);
      const changed = await api().get(url).set('If-None-Match', first.headers.etag).expect(200);
      expect(changed.body.inventory.quantity).toBe(3);
    });

    it('should read a page of 100 with every include in at most 3 statements', async () => {
      const category = await createCategory(t.http);
      for (let index = 0; index < 100; index++) {
        const product = await createProduct(t.http, { category_id: category.id });
        if (index % 10 === 0) await createReview(t.http, product.id, { rating: 1 + (index % 5) });
      }
      const statements: string[] = [];
      const dataSource = t.app.get(DataSource);
      dataSource.subscribers.push(requestStatementsInto(statements));
      const page = await api()
        .get('/api/v1/products?limit=100&include=category,inventory,rating,reviews')
        .expect(200);
      dataSource.subscribers.pop();
      expect(page.body.items).toHaveLength(100);
      expect(statements.length).toBeLessThanOrEqual(3);
    });
  });
});
