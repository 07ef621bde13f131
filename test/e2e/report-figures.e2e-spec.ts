import request from 'supertest';
import { DataSource } from 'typeorm';
import { CategoryBody, createCategory, createProduct } from '../factories/catalog.factory';
import { createCustomer } from '../factories/commerce.factory';
import { setStock } from '../factories/inventory.factory';
import { FOLD_LOCK_KEY, ReportsRepository } from '../../src/modules/reports/reports.repository';
import { createTestApp, TestApp } from '../utils/test-app';

const ROUNDS = 30;

/**
 * Every category's own figures as the reports read them (folded plus pending deltas), and as the
 * straightforward aggregate over the products and their summaries computes them.
 */
const KEPT_AND_COMPUTED = `
  WITH pending AS (
    SELECT category_id, sum(products) AS products, sum(active_products) AS active_products,
      sum(price_sum) AS price_sum, sum(stock_units) AS stock_units, sum(stock_value) AS stock_value,
      sum(review_count) AS review_count, sum(rating_sum) AS rating_sum,
      sum(units_sold) AS units_sold, sum(revenue) AS revenue
    FROM category_figures_delta GROUP BY category_id
  )
  SELECT c.id::int AS category_id,
    json_build_array(
      coalesce(f.products, 0) + coalesce(d.products, 0),
      coalesce(f.active_products, 0) + coalesce(d.active_products, 0),
      (coalesce(f.price_sum, 0) + coalesce(d.price_sum, 0))::numeric(20,2)::text,
      coalesce(f.stock_units, 0) + coalesce(d.stock_units, 0),
      (coalesce(f.stock_value, 0) + coalesce(d.stock_value, 0))::numeric(30,2)::text,
      coalesce(f.review_count, 0) + coalesce(d.review_count, 0),
      coalesce(f.rating_sum, 0) + coalesce(d.rating_sum, 0),
      coalesce(f.units_sold, 0) + coalesce(d.units_sold, 0),
      (coalesce(f.revenue, 0) + coalesce(d.revenue, 0))::numeric(30,2)::text
    )::text AS kept,
    (SELECT json_build_array(
       count(p.id),
       count(p.id) FILTER (WHERE p.is_active),
       coalesce(sum(p.price) FILTER (WHERE p.is_active), 0)::numeric(20,2)::text,
       coalesce(sum(i.quantity) FILTER (WHERE p.is_active), 0),
       coalesce(sum(p.price * i.quantity) FILTER (WHERE p.is_active), 0)::numeric(30,2)::text,
       coalesce(sum(r.count), 0),
       coalesce(sum(r.sum), 0),
       coalesce(sum(s.units_sold), 0),
       coalesce(sum(s.revenue), 0)::numeric(30,2)::text
     )::text
     FROM product p
     JOIN inventory i ON i.product_id = p.id
     LEFT JOIN product_rating r ON r.product_id = p.id
     LEFT JOIN product_sales s ON s.product_id = p.id
     WHERE p.category_id = c.id) AS computed,
    f.min_price::text AS kept_min, f.max_price::text AS kept_max,
    (SELECT min(price)::text FROM product WHERE category_id = c.id AND is_active) AS computed_min,
    (SELECT max(price)::text FROM product WHERE category_id = c.id AND is_active) AS computed_max
  FROM category c
  LEFT JOIN category_figures f ON f.category_id = c.id
  LEFT JOIN pending d ON d.category_id = c.id
  ORDER BY c.id`;

describe('Category figures kept by the writes (e2e)', () => {
  let t: TestApp;
  let sql: DataSource;
  let reports: ReportsRepository;
  const api = () => request(t.http);

  beforeAll(async () => {
    t = await createTestApp();
    sql = t.app.get(DataSource);
    reports = t.app.get(ReportsRepository);
  });
  afterAll(() => t.close());

  const pendingDeltas = () =>
    sql
      .query<Array<{ pending: number }>>(
        'SELECT count(*)::int AS pending FROM category_figures_delta',
      )
      .then(([row]) => row.pending);

  const keptAndComputed = () =>
    sql.query<
      Array<{
        category_id: number;
        kept: string;
        computed: string;
        kept_min: string | null;
        kept_max: string | null;
        computed_min: string | null;
        computed_max: string | null;
      }>
    >(KEPT_AND_COMPUTED);

  it('should answer the same report, figure by figure and ETag, before and after a fold', async () => {
    const root = await createCategory(t.http);
    const child = await createCategory(t.http, undefined, root.id);
    for (const [price, stock] of [
      ['12.50', 4],
      ['0.99', 0],
      ['300.00', 2],
    ] as const) {
      const product = await createProduct(t.http, { price, category_id: child.id });
      if (stock > 0) await setStock(t.http, product.id, stock);
    }
    await reports.fold();
    // No fold (the background one included) runs while another session holds its lock.
    const holder = sql.createQueryRunner();
    await holder.query('SELECT pg_advisory_lock($1)', [FOLD_LOCK_KEY]);
    let before: request.Response;
    try {
      const cheapest = await createProduct(t.http, { price: '0.10', category_id: child.id });
      await api().patch(`/api/v1/products/${cheapest.id}`).send({ is_active: false }).expect(200);
      expect(await pendingDeltas()).toBeGreaterThan(0);
      before = await api().get(`/api/v1/categories/${root.id}/report`).expect(200);
      expect(before.body).toMatchObject({
        products: 4,
        active_products: 3,
        min_price: '0.99',
        max_price: '300.00',
        stock_units: 6,
        stock_value: '650.00',
      });
      expect(await reports.fold()).toBe(0);
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [FOLD_LOCK_KEY]);
      await holder.release();
    }
    await reports.fold();
    expect(await pendingDeltas()).toBe(0);
    const after = await api().get(`/api/v1/categories/${root.id}/report`).expect(200);
    expect(after.body).toEqual(before.body);
    expect(after.headers.etag).toBe(before.headers.etag);
  });

  it('should fold the deltas of a write in the background within seconds', async () => {
    const category = await createCategory(t.http);
    await createProduct(t.http, { price: '4.00', category_id: category.id });
    const pending = () =>
      sql
        .query<Array<{ pending: number }>>(
          'SELECT count(*)::int AS pending FROM category_figures_delta WHERE category_id = $1',
          [category.id],
        )
        .then(([row]) => row.pending);
    const deadline = Date.now() + 5000;
    while ((await pending()) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await pending()).toBe(0);
    const [figures] = await sql.query<Array<{ products: string; min_price: string }>>(
      'SELECT products, min_price FROM category_figures WHERE category_id = $1',
      [category.id],
    );
    expect(figures).toEqual({ products: '1', min_price: '4.00' });
  });

  it('should keep every category path equal to its walk from the root, and every product path that of its category, while moves, creates, relinks and deletes race', async () => {
    const tree: number[] = [];
    for (let index = 0; index < 12; index++) {
      const parent = index === 0 ? null : tree[Math.floor((index - 1) / 2)];
      tree.push((await createCategory(t.http, undefined, parent)).id);
    }
    const products: number[] = [];
    for (let index = 0; index < 8; index++) {
      products.push((await createProduct(t.http, { category_id: tree[index] })).id);
    }
    const statuses: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const moves = tree.map((id, index) => {
        const parent =
          round % 5 === 4 && index % 4 === 0 ? null : tree[(index * 7 + round * 3) % tree.length];
        return api().patch(`/api/v1/categories/${id}`).send({ parent_id: parent });
      });
      const creates = [0, 1].map((index) =>
        api()
          .post('/api/v1/categories')
          .send({
            name: `Racing child ${round}.${index}`,
            parent_id: tree[(round + index * 5) % tree.length],
          }),
      );
      const relinks = products.map((id, index) =>
        api()
          .patch(`/api/v1/products/${id}`)
          .send({
            category_id: (round + index) % 6 === 5 ? null : tree[(index * 5 + round) % tree.length],
          }),
      );
      const answers = await Promise.all([...moves, ...creates, ...relinks]);
      statuses.push(...answers.map((response) => response.status));
      if (round % 4 === 3) {
        const [{ id }] = await sql.query<Array<{ id: number }>>(
          `SELECT id::int FROM category WHERE name LIKE 'Racing child %' ORDER BY id LIMIT 1`,
        );
        await api().delete(`/api/v1/categories/${id}`).expect(204);
      }
    }
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(ROUNDS);
    const mismatches = await sql.query<unknown[]>(`
      WITH RECURSIVE walk(id, path) AS (
        SELECT id, ARRAY[id] FROM category WHERE parent_id IS NULL
        UNION ALL
        SELECT c.id, w.path || c.id FROM category c JOIN walk w ON c.parent_id = w.id
      )
      SELECT c.id, c.path, w.path AS walked FROM category c LEFT JOIN walk w ON w.id = c.id
      WHERE w.path IS DISTINCT FROM c.path`);
    expect(mismatches).toEqual([]);
    const unlike = await sql.query<unknown[]>(`
      SELECT p.id, p.category_path, c.path FROM product p LEFT JOIN category c ON c.id = p.category_id
      WHERE p.category_path IS DISTINCT FROM coalesce(c.path, '{}')`);
    expect(unlike).toEqual([]);
  });

  it('should give a product created in a category being moved the path the move gives it', async () => {
    const from = await createCategory(t.http);
    const to = await createCategory(t.http);
    const moving = await createCategory(t.http, undefined, from.id);
    const move = sql.createQueryRunner();
    await move.startTransaction();
    let created: number;
    try {
      await move.query('UPDATE category SET parent_id = $1 WHERE id = $2', [to.id, moving.id]);
      const answer = createProduct(t.http, { category_id: moving.id });
      // Either the insert waits for the move's row lock, or it has answered already.
      for (let attempt = 0; attempt < 100; attempt++) {
        const [{ waits }] = await sql.query<Array<{ waits: number }>>(
          `SELECT count(*)::int AS waits FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (waits > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await move.commitTransaction();
      created = (await answer).id;
    } finally {
      await move.release();
    }
    const [row] = await sql.query<Array<{ path: string; expected: string }>>(
      `SELECT p.category_path::text AS path, c.path::text AS expected
       FROM product p JOIN category c ON c.id = p.category_id WHERE p.id = $1`,
      [created],
    );
    expect(row.path).toBe(`{${to.id},${moving.id}}`);
    expect(row.path).toBe(row.expected);
  });

  /**
   * A write to a product's summaries that arrives while a move of the product is not committed
   * yet: it must wait for the move (and be counted under the new category), or the move for it.
   */
  describe.each([
    [
      'a first review',
      (id: number, _buyer: number) =>
        api().post(`/api/v1/products/${id}/reviews`).send({ author: 'First', rating: 4 }),
    ],
    [
      'a stock adjustment',
      (id: number, _buyer: number) =>
        api().post(`/api/v1/products/${id}/inventory/adjustments`).send({ delta: 5 }),
    ],
    [
      'a first order',
      (id: number, buyer: number) =>
        api()
          .post('/api/v1/orders')
          .send({ customer_id: buyer, lines: [{ product_id: id, quantity: 2 }] }),
    ],
  ])('%s racing an uncommitted move', (_name, write) => {
    it('should be counted under the category the product moved to', async () => {
      const buyer = (await createCustomer(t.http)).id;
      const from = await createCategory(t.http);
      const to = await createCategory(t.http);
      const product = await createProduct(t.http, { price: '8.00', category_id: from.id });
      await setStock(t.http, product.id, 10);
      const move = sql.createQueryRunner();
      await move.startTransaction();
      try {
        await move.query('UPDATE product SET category_id = $1 WHERE id = $2', [to.id, product.id]);
        const answer = write(product.id, buyer).then((response) => response.status);
        // Either the write waits for the move's locks, or it has answered already.
        const waiting = async () => {
          for (let attempt = 0; attempt < 100; attempt++) {
            const [{ waits }] = await sql.query<Array<{ waits: number }>>(
              `SELECT count(*)::int AS waits FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            if (waits > 0) return;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        };
        await Promise.race([answer, waiting()]);
        await move.commitTransaction();
        expect(await answer).toBe(201);
      } finally {
        await move.release();
      }
      const rows = await keptAndComputed();
      expect(rows.map((row) => [row.category_id, row.kept])).toEqual(
        rows.map((row) => [row.category_id, row.computed]),
      );
    });
  });

  it('should keep every category figure exact while moves, price and stock changes, reviews, orders, cancels, deletes and folds race, round after round', async () => {
    const categories: CategoryBody[] = [];
    for (let index = 0; index < 3; index++) categories.push(await createCategory(t.http));
    const customer = await createCustomer(t.http);
    const pick = (round: number, index: number) =>
      categories[(round + index) % categories.length].id;
    const statuses: number[] = [];
    const fire = (call: request.Test) => call.then((response) => statuses.push(response.status));
    const reviewIds: number[] = [];
    const orderIds: number[] = [];
    let products: number[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      // Fresh products each round, so that first reviews and first sales race moves too.
      for (let index = 0; index < 2; index++) {
        const product = await createProduct(t.http, {
          price: `${10 + round}.${index}5`,
          category_id: pick(round, index),
        });
        await setStock(t.http, product.id, 40);
        products.push(product.id);
      }
      const [first, second, third] = products.slice(-3);
      const older = products.slice(-5, -3);
      const work: Array<Promise<unknown>> = [];
      for (const [index, id] of products.slice(-4).entries()) {
        work.push(
          fire(
            api()
              .patch(`/api/v1/products/${id}`)
              .send(
                index % 3 === 0
                  ? { category_id: round % 4 === 3 ? null : pick(round + 1, index) }
                  : index % 3 === 1
                    ? { price: `${round + index + 1}.99`, category_id: pick(round + 2, index) }
                    : { is_active: round % 2 === 0 },
              ),
          ),
          fire(
            api()
              .post(`/api/v1/products/${id}/reviews`)
              .send({ author: `Racer ${round}`, rating: 1 + ((round + index) % 5) }),
          ),
          fire(
            api()
              .post(`/api/v1/products/${id}/inventory/adjustments`)
              .send({ delta: index % 2 === 0 ? 3 : -2 }),
          ),
        );
      }
      for (const lines of [
        [first, second],
        [second, third],
        [third, first],
      ]) {
        work.push(
          api()
            .post('/api/v1/orders')
            .send({
              customer_id: customer.id,
              lines: lines.map((id, index) => ({ product_id: id, quantity: 1 + index })),
            })
            .then((response) => {
              statuses.push(response.status);
              if (response.status === 201) orderIds.push(response.body.id as number);
            }),
        );
      }
      const cancelled = orderIds.shift();
      if (cancelled !== undefined) {
        work.push(fire(api().patch(`/api/v1/orders/${cancelled}`).send({ status: 'cancelled' })));
      }
      const removed = reviewIds.shift();
      if (removed !== undefined) work.push(fire(api().delete(`/api/v1/reviews/${removed}`)));
      if (round % 3 === 2) {
        work.push(fire(api().delete(`/api/v1/products/${older[0]}`)));
        products = products.filter((id) => id !== older[0]);
      }
      work.push(reports.fold(), reports.fold());
      await Promise.all(work);
      const [{ ids }] = await sql.query<Array<{ ids: number[] | null }>>(
        `SELECT array_agg(id::int) AS ids FROM review WHERE author = $1`,
        [`Racer ${round}`],
      );
      reviewIds.push(...(ids ?? []));
    }

    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.filter((status) => status < 300).length).toBeGreaterThan(ROUNDS * 10);
    const check = async () => {
      const rows = await keptAndComputed();
      expect(rows.map((row) => [row.category_id, row.kept])).toEqual(
        rows.map((row) => [row.category_id, row.computed]),
      );
      return rows;
    };
    await check();
    await reports.fold();
    for (const row of await check()) {
      expect([row.category_id, row.kept_min, row.kept_max]).toEqual([
        row.category_id,
        row.computed_min,
        row.computed_max,
      ]);
    }
  });
});
