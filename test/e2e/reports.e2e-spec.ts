import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  CategoryBody,
  createCategory,
  createProduct,
  ProductBody,
} from '../factories/catalog.factory';
import { createCustomer, createReview } from '../factories/commerce.factory';
import { setStock } from '../factories/inventory.factory';
import { placeOrder } from '../factories/order.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const UNKNOWN = 9_000_000_000;

/** The figures of a subtree with no product at all. */
const EMPTY = {
  products: 0,
  active_products: 0,
  min_price: null,
  max_price: null,
  average_price: null,
  stock_units: 0,
  stock_value: '0.00',
  units_sold: 0,
  revenue: '0.00',
  rating_average: null,
  review_count: 0,
};

/**
 * The tree: A > A1 > A1a, A > A2 (empty), and B (an empty root).
 *   p1 in A    10.00, stock 5, 3 sold (order 3);            reviews 5, 4
 *   p2 in A1   20.50, stock 3, 2 sold (order 1);            reviews 3, 4
 *   p3 in A1a   7.25, stock 10, 1 sold (order 1), 4 in a cancelled order; review 2
 *   p4 in A1a 100.00, 1 sold (order 3), then inactive with stock 8; review 1
 *   p5 in A1    3.00, 2 sold (order 1), then deleted (its line stays, product_id null); review 5
 *   p6 unlinked 50.00, 1 sold (order 1)
 */
describe('Reports (e2e)', () => {
  let t: TestApp;
  let a: CategoryBody;
  let a1: CategoryBody;
  let a1a: CategoryBody;
  let a2: CategoryBody;
  let b: CategoryBody;
  let p2: ProductBody;
  const api = () => request(t.http);
  const report = (id: number | string) => api().get(`/api/v1/categories/${id}/report`);
  const reports = (query = '') => api().get(`/api/v1/reports/categories${query}`);
  const stocked = async (stock: number, fields: Record<string, unknown>) => {
    const product = await createProduct(t.http, fields);
    if (stock > 0) await setStock(t.http, product.id, stock);
    return product;
  };

  /** The expected report of each category of the tree. */
  const expected = () => ({
    a1a: {
      category_id: a1a.id,
      name: 'A1a',
      categories: 1,
      products: 2,
      active_products: 1,
      min_price: '7.25',
      max_price: '7.25',
      average_price: '7.25',
      stock_units: 9,
      stock_value: '65.25',
      units_sold: 2,
      revenue: '107.25',
      rating_average: '1.50',
      review_count: 2,
    },
    a1: {
      category_id: a1.id,
      name: 'A1',
      categories: 2,
      products: 3,
      active_products: 2,
      min_price: '7.25',
      max_price: '20.50',
      // (20.50 + 7.25) / 2 = 13.875, half up
      average_price: '13.88',
      stock_units: 10,
      stock_value: '85.75',
      units_sold: 4,
      revenue: '148.25',
      rating_average: '2.50',
      review_count: 4,
    },
    a2: { category_id: a2.id, name: 'A2', categories: 1, ...EMPTY },
    a: {
      category_id: a.id,
      name: 'A',
      categories: 4,
      products: 4,
      active_products: 3,
      min_price: '7.25',
      max_price: '20.50',
      // 37.75 / 3 = 12.5833...
      average_price: '12.58',
      stock_units: 12,
      stock_value: '105.75',
      units_sold: 7,
      revenue: '178.25',
      // 19 / 6 = 3.1666...
      rating_average: '3.17',
      review_count: 6,
    },
    b: { category_id: b.id, name: 'B', categories: 1, ...EMPTY },
  });

  beforeAll(async () => {
    t = await createTestApp();
    a = await createCategory(t.http, 'A');
    a1 = await createCategory(t.http, 'A1', a.id);
    a1a = await createCategory(t.http, 'A1a', a1.id);
    a2 = await createCategory(t.http, 'A2', a.id);
    b = await createCategory(t.http, 'B');

    const p1 = await stocked(5, { price: '10.00', category_id: a.id });
    p2 = await stocked(3, { price: '20.50', category_id: a1.id });
    const p3 = await stocked(10, { price: '7.25', category_id: a1a.id });
    const p4 = await stocked(1, { price: '100.00', category_id: a1a.id });
    const p5 = await stocked(2, { price: '3.00', category_id: a1.id });
    const p6 = await stocked(1, { price: '50.00' });
    for (const [product, rating] of [
      [p1, 5],
      [p1, 4],
      [p2, 3],
      [p2, 4],
      [p3, 2],
      [p4, 1],
      [p5, 5],
    ] as const) {
      await createReview(t.http, product.id, { rating });
    }

    const customer = await createCustomer(t.http);
    const first = await placeOrder(t.http, customer.id, [
      { product_id: p2.id, quantity: 2 },
      { product_id: p3.id, quantity: 1 },
      { product_id: p5.id, quantity: 2 },
      { product_id: p6.id, quantity: 1 },
    ]);
    await api().patch(`/api/v1/orders/${first.id}`).send({ status: 'paid' }).expect(200);
    const cancelled = await placeOrder(t.http, customer.id, [{ product_id: p3.id, quantity: 4 }]);
    await api().patch(`/api/v1/orders/${cancelled.id}`).send({ status: 'cancelled' }).expect(200);
    await placeOrder(t.http, customer.id, [
      { product_id: p4.id, quantity: 1 },
      { product_id: p1.id, quantity: 3 },
    ]);
    await api().patch(`/api/v1/products/${p4.id}`).send({ is_active: false }).expect(200);
    await setStock(t.http, p4.id, 8);
    await api().delete(`/api/v1/products/${p5.id}`).expect(204);
  });
  afterAll(() => t.close());

  it('should keep the lines of a deleted product, unlinked from it', async () => {
    const lines = await t.app
      .get(DataSource)
      .query<Array<{ product_id: string | null; line_total: string }>>(
        `SELECT product_id, line_total FROM order_line WHERE sku LIKE 'SKU-%' AND unit_price = 3.00`,
      );
    expect(lines).toEqual([{ product_id: null, line_total: '6.00' }]);
  });

  it('should report every figure of each subtree exactly', async () => {
    const all = expected();
    for (const [category, figures] of [
      [a, all.a],
      [a1, all.a1],
      [a1a, all.a1a],
      [a2, all.a2],
      [b, all.b],
    ] as const) {
      const response = await report(category.id).expect(200);
      expect(response.headers.etag).toMatch(/^W\/"c\d+"$/);
      expect(response.body).toEqual(figures);
    }
  });

  it('should list one report per root, ordered by id, each over its whole subtree', async () => {
    const all = expected();
    const response = await reports().expect(200);
    expect(response.headers.etag).toMatch(/^W\/"c\d+"$/);
    expect(response.body).toEqual({
      items: [all.a, all.b],
      total: 2,
      limit: 20,
      offset: 0,
      next_cursor: null,
    });
  });

  it('should list one report per direct child of parent_id, empty subtrees included', async () => {
    const all = expected();
    expect((await reports(`?parent_id=${a.id}`).expect(200)).body).toEqual({
      items: [all.a1, all.a2],
      total: 2,
      limit: 20,
      offset: 0,
      next_cursor: null,
    });
    expect((await reports(`?parent_id=${a1.id}`).expect(200)).body.items).toEqual([all.a1a]);
    expect((await reports(`?parent_id=${a1a.id}`).expect(200)).body).toEqual({
      items: [],
      total: 0,
      limit: 20,
      offset: 0,
      next_cursor: null,
    });
  });

  it('should page the children by offset and by cursor, and skip the count when asked', async () => {
    const all = expected();
    const first = (await reports(`?parent_id=${a.id}&limit=1`).expect(200)).body as {
      items: unknown[];
      next_cursor: string;
    };
    expect(first).toMatchObject({ items: [all.a1], total: 2, limit: 1 });
    expect(first.next_cursor).toEqual(expect.any(String));
    expect(
      (await reports(`?parent_id=${a.id}&limit=1&cursor=${first.next_cursor}`).expect(200)).body,
    ).toEqual({ items: [all.a2], total: 2, limit: 1, offset: 0, next_cursor: null });
    expect(
      (await reports(`?parent_id=${a.id}&limit=1&offset=1&include_total=false`).expect(200)).body,
    ).toEqual({ items: [all.a2], total: null, limit: 1, offset: 1, next_cursor: null });
  });

  it('should answer 404 for an unknown category or parent, 422 for a bad id or query', async () => {
    const notFound = await report(UNKNOWN).expect(404);
    expect(notFound.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(notFound.body).toMatchObject({ status: 404, code: 'not_found' });
    expect((await reports(`?parent_id=${UNKNOWN}`).expect(404)).body.code).toBe('not_found');
    for (const id of ['abc', '0', '-1', '1.5']) {
      expect((await report(id).expect(422)).body.code).toBe('validation_failed');
    }
    for (const query of [
      '?parent_id=abc',
      '?parent_id=0',
      '?limit=0',
      '?limit=101',
      '?offset=-1',
      '?cursor=bad!',
    ]) {
      expect((await reports(query).expect(422)).body.code).toBe('validation_failed');
    }
    const foreign = Buffer.from(JSON.stringify(['price', '1'])).toString('base64url');
    expect((await reports(`?cursor=${foreign}`).expect(422)).body.code).toBe('validation_failed');
  });

  it('should report exact figures past 10^18: the largest price times the largest stock', async () => {
    const top = await createCategory(t.http, 'Vault');
    const product = await createProduct(t.http, { price: '9999999999.99', category_id: top.id });
    await setStock(t.http, product.id, 1_000_000_000);
    const figures = await report(top.id).expect(200);
    expect(figures.body).toMatchObject({
      stock_units: 1_000_000_000,
      stock_value: '9999999999990000000.00',
      max_price: '9999999999.99',
    });
    const listed = await reports().expect(200);
    expect(
      (listed.body.items as Array<{ category_id: number }>).find(
        (item) => item.category_id === top.id,
      ),
    ).toMatchObject({ stock_value: '9999999999990000000.00' });
  });

  it('should answer 304 to If-None-Match of the current ETag, for both routes', async () => {
    for (const path of [`/api/v1/categories/${a.id}/report`, '/api/v1/reports/categories']) {
      const { etag } = (await api().get(path).expect(200)).headers as { etag: string };
      const again = await api().get(path).set('If-None-Match', etag).expect(304);
      expect(again.text).toBe('');
      expect(again.headers.etag).toBe(etag);
    }
  });

  it('should never answer a figure older than a write acknowledged before the request', async () => {
    const before = await report(a1.id).expect(200);
    const listed = await reports(`?parent_id=${a.id}`).expect(200);
    // Cached now; a stock change must still show at once, also to a revalidation.
    await setStock(t.http, p2.id, 4);
    const after = await report(a1.id).set('If-None-Match', before.headers.etag).expect(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.body).toEqual({
      ...expected().a1,
      stock_units: 13,
      stock_value: '147.25',
    });

    await createProduct(t.http, { price: '0.05', category_id: a2.id });
    await createProduct(t.http, { price: '0.10', category_id: a2.id });
    const relisted = await reports(`?parent_id=${a.id}`)
      .set('If-None-Match', listed.headers.etag)
      .expect(200);
    expect(relisted.body.items[1]).toEqual({
      ...expected().a2,
      products: 2,
      active_products: 2,
      min_price: '0.05',
      max_price: '0.10',
      // 0.075, half up
      average_price: '0.08',
    });
    expect((await report(a.id).expect(200)).body).toMatchObject({
      products: 6,
      active_products: 5,
      min_price: '0.05',
      stock_units: 15,
      stock_value: '167.25',
    });
  });
});
