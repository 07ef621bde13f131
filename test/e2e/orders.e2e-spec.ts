import request from 'supertest';
import { DataSource } from 'typeorm';
import { createProduct, ProductBody } from '../factories/catalog.factory';
import { createCustomer, CustomerBody } from '../factories/commerce.factory';
import { setStock } from '../factories/inventory.factory';
import { OrderBody, placeOrder } from '../factories/order.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const UNKNOWN = 9_000_000_000;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface Counts {
  orders: number;
  lines: number;
  movements: number;
}

describe('Orders (e2e)', () => {
  let t: TestApp;
  let customer: CustomerBody;
  const api = () => request(t.http);
  const sql = <T>(query: string, parameters: unknown[] = []) =>
    t.app.get(DataSource).query<T>(query, parameters);
  const post = (body: unknown) =>
    api()
      .post('/api/v1/orders')
      .send(body as object);
  const quantityOf = async (id: number) =>
    (await api().get(`/api/v1/products/${id}/inventory`).expect(200)).body.quantity as number;
  const counts = async (): Promise<Counts> => {
    const [row] = await sql<Array<{ orders: number; lines: number; movements: number }>>(
      `SELECT (SELECT count(*)::int FROM "order") AS orders,
              (SELECT count(*)::int FROM order_line) AS lines,
              (SELECT count(*)::int FROM inventory_movement) AS movements`,
    );
    return row;
  };
  const movementsOf = (productId: number) =>
    sql<Array<{ kind: string; delta: number; order_id: string | null }>>(
      'SELECT kind, delta, order_id FROM inventory_movement WHERE product_id = $1 ORDER BY id',
      [productId],
    );
  /** A product with `stock` units on hand. */
  const stocked = async (stock: number, fields: Record<string, unknown> = {}) => {
    const product = await createProduct(t.http, fields);
    if (stock > 0) await setStock(t.http, product.id, stock);
    return product;
  };
  const move = (id: number, status: string) => api().patch(`/api/v1/orders/${id}`).send({ status });

  beforeAll(async () => {
    t = await createTestApp();
    customer = await createCustomer(t.http);
  });
  afterAll(() => t.close());

  describe('placing', () => {
    it('should place an order with merged lines in first-appearance order, copies, exact totals, Location and ETag', async () => {
      const pen = await stocked(50, { price: '19.99', title: 'Pen' });
      const ink = await stocked(50, { price: '5.00', title: 'Ink' });
      const response = await post({
        customer_id: customer.id,
        lines: [
          { product_id: ink.id, quantity: 1 },
          { product_id: pen.id, quantity: 2 },
          { product_id: ink.id, quantity: 3 },
          { product_id: pen.id, quantity: 1 },
        ],
      }).expect(201);
      const order = response.body as OrderBody;
      expect(response.headers.location).toBe(`/api/v1/orders/${order.id}`);
      expect(response.headers.etag).toMatch(/^"\d+"$/);
      expect(order).toEqual({
        id: expect.any(Number),
        customer_id: customer.id,
        status: 'pending',
        lines: [
          {
            product_id: ink.id,
            sku: ink.sku,
            title: 'Ink',
            unit_price: '5.00',
            quantity: 4,
            line_total: '20.00',
          },
          {
            product_id: pen.id,
            sku: pen.sku,
            title: 'Pen',
            unit_price: '19.99',
            quantity: 3,
            line_total: '59.97',
          },
        ],
        item_count: 7,
        total: '79.97',
        created_at: expect.stringMatching(ISO),
        updated_at: expect.stringMatching(ISO),
      });
      expect([await quantityOf(pen.id), await quantityOf(ink.id)]).toEqual([47, 46]);
      expect(await movementsOf(pen.id)).toEqual([
        { kind: 'set', delta: 50, order_id: null },
        { kind: 'order', delta: -3, order_id: String(order.id) },
      ]);
      const read = await api().get(response.headers.location).expect(200);
      expect(read.body).toEqual(order);
      expect(read.headers.etag).toBe(response.headers.etag);
    });

    it('should compute exact totals: 3 x 19.99 = 59.97 and 10000 x 9999999999.99 = 99999999999900.00', async () => {
      const cheap = await stocked(3, { price: '19.99' });
      const dear = await stocked(10_000, { price: '9999999999.99' });
      const first = await placeOrder(t.http, customer.id, [{ product_id: cheap.id, quantity: 3 }]);
      expect([first.lines[0].line_total, first.total]).toEqual(['59.97', '59.97']);
      const second = await placeOrder(t.http, customer.id, [
        { product_id: dear.id, quantity: 10_000 },
      ]);
      expect([second.lines[0].line_total, second.total]).toEqual([
        '99999999999900.00',
        '99999999999900.00',
      ]);
      const [stored] = await sql<Array<{ total: string }>>(
        'SELECT total::text FROM "order" WHERE id = $1',
        [second.id],
      );
      expect(stored.total).toBe('99999999999900.00');
    });

    it('should merge lines of one product into a quantity above 10000', async () => {
      const product = await stocked(25_000, { price: '1.10' });
      const order = await placeOrder(t.http, customer.id, [
        { product_id: product.id, quantity: 10_000 },
        { product_id: product.id, quantity: 10_000 },
        { product_id: product.id, quantity: 5_000 },
      ]);
      expect(order.lines).toHaveLength(1);
      expect(order.lines[0]).toMatchObject({ quantity: 25_000, line_total: '27500.00' });
      expect([order.item_count, order.total]).toEqual([25_000, '27500.00']);
      expect(await quantityOf(product.id)).toBe(0);
    });

    it('should refuse every bad body with a 422 problem and write nothing', async () => {
      const product = await stocked(10);
      const line = { product_id: product.id, quantity: 1 };
      const bodies: Array<[unknown, string]> = [
        [{ customer_id: customer.id, lines: [] }, 'lines'],
        [{ customer_id: customer.id, lines: Array.from({ length: 101 }, () => line) }, 'lines'],
        [{ customer_id: customer.id, lines: [{ ...line, quantity: 0 }] }, 'lines[0].quantity'],
        [{ customer_id: customer.id, lines: [{ ...line, quantity: 10_001 }] }, 'lines[0].quantity'],
        [{ customer_id: customer.id, lines: [{ ...line, quantity: 1.5 }] }, 'lines[0].quantity'],
        [
          { customer_id: customer.id, lines: [line, { ...line, quantity: '2' }] },
          'lines[1].quantity',
        ],
        [{ customer_id: customer.id, lines: [{ quantity: 1 }] }, 'lines[0].product_id'],
        [{ customer_id: customer.id, lines: [{ ...line, product_id: -1 }] }, 'lines[0].product_id'],
        [{ lines: [line] }, 'customer_id'],
        [{ customer_id: String(customer.id), lines: [line] }, 'customer_id'],
        [{ customer_id: null, lines: [line] }, 'customer_id'],
        [{ customer_id: customer.id }, 'lines'],
        [{ customer_id: customer.id, lines: line }, 'lines'],
        [{ customer_id: customer.id, lines: [line], status: 'paid' }, 'status'],
        [{ customer_id: customer.id, lines: [line], id: 1 }, 'id'],
        [
          { customer_id: customer.id, lines: [{ ...line, unit_price: '0.01' }] },
          'lines[0].unit_price',
        ],
        [{ customer_id: customer.id, lines: [null] }, 'lines[0]'],
      ];
      const before = await counts();
      for (const [body, field] of bodies) {
        const response = await post(body);
        expect([JSON.stringify(body).slice(0, 80), response.status]).toEqual([
          JSON.stringify(body).slice(0, 80),
          422,
        ]);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body.code).toBe('validation_failed');
        expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(
          field,
        );
      }
      expect(await counts()).toEqual(before);
      expect(await quantityOf(product.id)).toBe(10);
    });

    it('should answer 422 naming customer_id for an unknown customer, and the line for an unknown or inactive product', async () => {
      const product = await stocked(10);
      const inactive = await stocked(10, { is_active: false });
      const deleted = await stocked(10);
      await api().delete(`/api/v1/products/${deleted.id}`).expect(204);
      const before = await counts();

      const noCustomer = await post({
        customer_id: UNKNOWN,
        lines: [{ product_id: product.id, quantity: 1 }],
      }).expect(422);
      expect(noCustomer.body).toMatchObject({
        code: 'unknown_customer',
        errors: [{ field: 'customer_id', message: `customer ${UNKNOWN} does not exist` }],
      });

      const badLines = await post({
        customer_id: customer.id,
        lines: [
          { product_id: product.id, quantity: 1 },
          { product_id: product.id, quantity: 1 },
          { product_id: UNKNOWN, quantity: 1 },
          { product_id: inactive.id, quantity: 1 },
          { product_id: deleted.id, quantity: 1 },
        ],
      }).expect(422);
      expect(badLines.body).toMatchObject({
        code: 'unknown_product',
        errors: [
          { field: 'lines[2].product_id', message: `product ${UNKNOWN} does not exist` },
          {
            field: 'lines[3].product_id',
            message: `product ${inactive.id} is inactive and cannot be ordered`,
          },
          { field: 'lines[4].product_id', message: `product ${deleted.id} does not exist` },
        ],
      });
      expect(await counts()).toEqual(before);
      expect(await quantityOf(product.id)).toBe(10);
    });

    it('should answer 409 insufficient_stock listing every short product, and write nothing', async () => {
      const enough = await stocked(10);
      const shortA = await stocked(2);
      const shortB = await stocked(0);
      const versionBefore = (await api().get('/api/v1/orders').expect(200)).headers.etag;
      const before = await counts();
      const response = await post({
        customer_id: customer.id,
        lines: [
          { product_id: shortB.id, quantity: 1 },
          { product_id: enough.id, quantity: 10 },
          { product_id: shortA.id, quantity: 2 },
          { product_id: shortA.id, quantity: 1 },
        ],
      }).expect(409);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({
        type: 'https://catalog.example.com/problems/insufficient-stock',
        status: 409,
        code: 'insufficient_stock',
        instance: '/api/v1/orders',
      });
      expect(response.body.items).toEqual([
        { product_id: shortA.id, requested: 3, available: 2 },
        { product_id: shortB.id, requested: 1, available: 0 },
      ]);
      expect(await counts()).toEqual(before);
      expect([
        await quantityOf(enough.id),
        await quantityOf(shortA.id),
        await quantityOf(shortB.id),
      ]).toEqual([10, 2, 0]);
      // A refused order bumps no catalog version.
      expect((await api().get('/api/v1/orders').expect(200)).headers.etag).toBe(versionBefore);
    });

    it('should place an idempotent order once and replay it', async () => {
      const product = await stocked(5);
      const body = { customer_id: customer.id, lines: [{ product_id: product.id, quantity: 2 }] };
      const key = `order-${product.id}`;
      const first = await post(body).set('Idempotency-Key', key).expect(201);
      const again = await post(body).set('Idempotency-Key', key).expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.location).toBe(first.headers.location);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await quantityOf(product.id)).toBe(3);
      expect(
        await sql('SELECT 1 FROM order_line WHERE product_id = $1', [product.id]),
      ).toHaveLength(1);
      await post({ ...body, lines: [{ product_id: product.id, quantity: 1 }] })
        .set('Idempotency-Key', key)
        .expect(422);
      // A refused order under a key commits neither the order nor the key.
      const refused = {
        customer_id: customer.id,
        lines: [{ product_id: product.id, quantity: 4 }],
      };
      await post(refused).set('Idempotency-Key', `${key}-short`).expect(409);
      await setStock(t.http, product.id, 4);
      await post(refused).set('Idempotency-Key', `${key}-short`).expect(201);
      expect(await quantityOf(product.id)).toBe(0);
    });

    it('should bump the catalog version when an order is placed', async () => {
      const product = await stocked(1);
      const before = (await api().get('/api/v1/orders').expect(200)).headers.etag;
      await placeOrder(t.http, customer.id, [{ product_id: product.id, quantity: 1 }]);
      const after = await api().get('/api/v1/orders').set('If-None-Match', before);
      expect(after.status).toBe(200);
      expect(after.headers.etag).not.toBe(before);
    });
  });

  describe('copies', () => {
    it('should change no order when the product is patched, and keep the copy with product_id null when it is deleted', async () => {
      const product = await stocked(5, { price: '12.50', title: 'Lamp' });
      const order = await placeOrder(t.http, customer.id, [
        { product_id: product.id, quantity: 2 },
      ]);
      await api()
        .patch(`/api/v1/products/${product.id}`)
        .send({ price: '99.99', title: 'Better lamp', sku: `${product.sku}-NEW` })
        .expect(200);
      const patched = await api().get(`/api/v1/orders/${order.id}`).expect(200);
      expect(patched.body).toEqual(order);

      await api().delete(`/api/v1/products/${product.id}`).expect(204);
      // The order row is as it was, its line is not: no 304 for the answer before the delete.
      const orphan = await api()
        .get(`/api/v1/orders/${order.id}`)
        .set('If-None-Match', patched.headers.etag)
        .expect(200);
      expect(orphan.headers.etag).not.toBe(patched.headers.etag);
      expect(orphan.body.lines).toEqual([{ ...order.lines[0], product_id: null }]);
      expect(orphan.body.total).toBe('25.00');
      // Cancelling it gives nothing back for the deleted product, and still succeeds; the ETag
      // from before the delete no longer matches.
      await api()
        .patch(`/api/v1/orders/${order.id}`)
        .set('If-Match', patched.headers.etag)
        .send({ status: 'cancelled' })
        .expect(412);
      const cancelled = await api()
        .patch(`/api/v1/orders/${order.id}`)
        .set('If-Match', orphan.headers.etag)
        .send({ status: 'cancelled' })
        .expect(200);
      expect(cancelled.body.status).toBe('cancelled');
    });

    it('should refuse to delete a customer with orders (409 customer_has_orders) and delete one without', async () => {
      const buyer = await createCustomer(t.http);
      const product = await stocked(1);
      await placeOrder(t.http, buyer.id, [{ product_id: product.id, quantity: 1 }]);
      const refused = await api().delete(`/api/v1/customers/${buyer.id}`).expect(409);
      expect(refused.body).toMatchObject({ code: 'customer_has_orders', status: 409 });
      await api().get(`/api/v1/customers/${buyer.id}`).expect(200);
      const idle = await createCustomer(t.http);
      await api().delete(`/api/v1/customers/${idle.id}`).expect(204);
    });
  });

  describe('reading', () => {
    it('should answer an ETag and 304, 404 for an unknown order and 422 for a bad id', async () => {
      const product = await stocked(1);
      const order = await placeOrder(t.http, customer.id, [
        { product_id: product.id, quantity: 1 },
      ]);
      const read = await api().get(`/api/v1/orders/${order.id}`).expect(200);
      await api()
        .get(`/api/v1/orders/${order.id}`)
        .set('If-None-Match', read.headers.etag)
        .expect(304);
      const missing = await api().get(`/api/v1/orders/${UNKNOWN}`).expect(404);
      expect(missing.body).toMatchObject({
        code: 'not_found',
        detail: `Order ${UNKNOWN} does not exist.`,
      });
      await api().get('/api/v1/orders/abc').expect(422);
      await api().patch(`/api/v1/orders/${UNKNOWN}`).send({ status: 'paid' }).expect(404);
    });

    it('should list newest first with lines, filter by customer and status, and page by offset and cursor', async () => {
      const buyer = await createCustomer(t.http);
      const product = await stocked(100, { price: '2.00' });
      const placed: OrderBody[] = [];
      for (let index = 0; index < 7; index++)
        placed.push(
          await placeOrder(t.http, buyer.id, [{ product_id: product.id, quantity: index + 1 }]),
        );
      await move(placed[1].id, 'paid').expect(200);
      await move(placed[4].id, 'paid').expect(200);
      const newestFirst = [...placed].reverse().map((order) => order.id);

      const all = await api().get(`/api/v1/orders?customer_id=${buyer.id}&limit=100`).expect(200);
      expect(all.body).toMatchObject({ total: 7, limit: 100, offset: 0, next_cursor: null });
      expect(all.body.items.map((order: OrderBody) => order.id)).toEqual(newestFirst);
      expect(all.body.items[6]).toEqual(placed[0]);

      const paid = await api()
        .get(`/api/v1/orders?customer_id=${buyer.id}&status=paid`)
        .expect(200);
      expect(paid.body.items.map((order: OrderBody) => order.id)).toEqual([
        placed[4].id,
        placed[1].id,
      ]);
      expect(paid.body.total).toBe(2);

      const offset = await api()
        .get(`/api/v1/orders?customer_id=${buyer.id}&limit=3&offset=3`)
        .expect(200);
      expect(offset.body.items.map((order: OrderBody) => order.id)).toEqual(
        newestFirst.slice(3, 6),
      );

      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await api()
          .get(`/api/v1/orders`)
          .query({
            customer_id: buyer.id,
            limit: 3,
            include_total: false,
            ...(cursor ? { cursor } : {}),
          })
          .expect(200);
        expect(page.body.total).toBeNull();
        seen.push(...page.body.items.map((order: OrderBody) => order.id));
        cursor = page.body.next_cursor as string | null;
      } while (cursor);
      expect(seen).toEqual(newestFirst);

      const none = await api().get(`/api/v1/orders?customer_id=${UNKNOWN}`).expect(200);
      expect(none.body).toMatchObject({ items: [], total: 0 });
    });

    it('should refuse a bad list query with 422', async () => {
      for (const query of [
        'status=lost',
        'customer_id=0',
        'customer_id=abc',
        'limit=101',
        'offset=-1',
        'cursor=abc',
        'include_total=maybe',
        'colour=red',
      ]) {
        const response = await api().get(`/api/v1/orders?${query}`);
        expect([query, response.status]).toEqual([query, 422]);
      }
    });
  });

  describe('status', () => {
    it('should move pending -> paid -> shipped -> delivered and refuse every other move with 409 invalid_transition', async () => {
      const product = await stocked(10);
      const order = await placeOrder(t.http, customer.id, [
        { product_id: product.id, quantity: 1 },
      ]);
      const skipped = await move(order.id, 'shipped').expect(409);
      expect(skipped.body).toMatchObject({
        code: 'invalid_transition',
        detail: `Order ${order.id} cannot move from pending to shipped.`,
      });
      await move(order.id, 'pending').expect(409);
      await move(order.id, 'delivered').expect(409);
      for (const status of ['paid', 'shipped', 'delivered']) {
        const moved = await move(order.id, status).expect(200);
        expect(moved.body.status).toBe(status);
        expect(moved.headers.etag).toMatch(/^"\d+"$/);
      }
      await move(order.id, 'cancelled').expect(409);
      await move(order.id, 'paid').expect(409);
      expect(await quantityOf(product.id)).toBe(9);
    });

    it('should refuse an unknown status or unknown fields with 422 and change nothing', async () => {
      const product = await stocked(1);
      const order = await placeOrder(t.http, customer.id, [
        { product_id: product.id, quantity: 1 },
      ]);
      for (const body of [
        { status: 'lost' },
        {},
        { status: 'paid', total: '0.00' },
        { status: 1 },
      ]) {
        const response = await api().patch(`/api/v1/orders/${order.id}`).send(body);
        expect(response.status).toBe(422);
      }
      expect((await api().get(`/api/v1/orders/${order.id}`).expect(200)).body).toEqual(order);
    });

    it('should honour If-Match: 412 when stale, nothing written; 200 when current', async () => {
      const product = await stocked(2);
      const order = await placeOrder(t.http, customer.id, [
        { product_id: product.id, quantity: 2 },
      ]);
      const etag = (await api().get(`/api/v1/orders/${order.id}`).expect(200)).headers.etag;
      await move(order.id, 'paid').set('If-Match', etag).expect(200);
      await move(order.id, 'cancelled').set('If-Match', etag).expect(412);
      expect(await quantityOf(product.id)).toBe(0);
      const current = (await api().get(`/api/v1/orders/${order.id}`).expect(200)).headers.etag;
      await move(order.id, 'cancelled').set('If-Match', current).expect(200);
      expect(await quantityOf(product.id)).toBe(2);
    });

    it('should give every line’s stock back with cancellation movements when a pending or paid order is cancelled', async () => {
      const a = await stocked(5);
      const b = await stocked(5);
      const order = await placeOrder(t.http, customer.id, [
        { product_id: b.id, quantity: 2 },
        { product_id: a.id, quantity: 3 },
      ]);
      await move(order.id, 'paid').expect(200);
      const cancelled = await move(order.id, 'cancelled').expect(200);
      expect(cancelled.body.status).toBe('cancelled');
      expect([await quantityOf(a.id), await quantityOf(b.id)]).toEqual([5, 5]);
      expect(await movementsOf(a.id)).toEqual([
        { kind: 'set', delta: 5, order_id: null },
        { kind: 'order', delta: -3, order_id: String(order.id) },
        { kind: 'cancellation', delta: 3, order_id: String(order.id) },
      ]);
    });
  });

  describe('under concurrency', () => {
    it('should sell exactly the 5 units in stock to 20 racing orders: five 201, fifteen 409', async () => {
      const product = await stocked(5);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          post({ customer_id: customer.id, lines: [{ product_id: product.id, quantity: 1 }] }),
        ),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([...Array<number>(5).fill(201), ...Array<number>(15).fill(409)]);
      expect(await quantityOf(product.id)).toBe(0);
      const movements = await movementsOf(product.id);
      expect(movements.filter((movement) => movement.kind === 'order')).toHaveLength(5);
      expect(
        await sql('SELECT 1 FROM order_line WHERE product_id = $1', [product.id]),
      ).toHaveLength(5);
    });

    it('should conserve stock exactly, without deadlocks or 5xx, when 50 orders name A,B and B,A', async () => {
      const a = await stocked(60);
      const b = await stocked(60);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          post({
            customer_id: customer.id,
            lines:
              index % 2 === 0
                ? [
                    { product_id: a.id, quantity: 2 },
                    { product_id: b.id, quantity: 1 },
                  ]
                : [
                    { product_id: b.id, quantity: 2 },
                    { product_id: a.id, quantity: 1 },
                  ],
          }),
        ),
      );
      expect(responses.filter((response) => response.status >= 500)).toEqual([]);
      expect(responses.every((response) => [201, 409].includes(response.status))).toBe(true);
      for (const product of [a, b] as ProductBody[]) {
        const [sold] = await sql<Array<{ units: number }>>(
          'SELECT coalesce(sum(quantity), 0)::int AS units FROM order_line WHERE product_id = $1',
          [product.id],
        );
        const left = await quantityOf(product.id);
        expect(left).toBeGreaterThanOrEqual(0);
        expect(sold.units + left).toBe(60);
      }
      expect(responses.filter((response) => response.status === 201).length).toBeGreaterThan(0);
    });

    it('should give the stock back once when 10 cancels race', async () => {
      const product = await stocked(7);
      const order = await placeOrder(t.http, customer.id, [
        { product_id: product.id, quantity: 4 },
      ]);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => move(order.id, 'cancelled')),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, ...Array<number>(9).fill(409)]);
      expect(await quantityOf(product.id)).toBe(7);
      const movements = await movementsOf(product.id);
      expect(movements.filter((movement) => movement.kind === 'cancellation')).toHaveLength(1);
    });
  });

  describe('sales summaries', () => {
    /** Every product's summary, and the aggregate over lines of orders not cancelled, as text. */
    const summariesAndLines = () =>
      sql<Array<{ summaries: string; lines: string }>>(
        `SELECT
           (SELECT coalesce(string_agg(product_id || ':' || units_sold || ':' || revenue, ',' ORDER BY product_id), '')
            FROM product_sales WHERE units_sold > 0) AS summaries,
           (SELECT coalesce(string_agg(product_id || ':' || units || ':' || revenue, ',' ORDER BY product_id), '')
            FROM (SELECT l.product_id, sum(l.quantity) AS units, sum(l.line_total) AS revenue
                  FROM order_line l JOIN "order" o ON o.id = l.order_id
                  WHERE o.status <> 'cancelled' AND l.product_id IS NOT NULL
                  GROUP BY l.product_id) sold) AS lines`,
      );

    it('should count placements in and cancellations out exactly once, under concurrency', async () => {
      const products = [
        await stocked(1000, { price: '19.99' }),
        await stocked(1000, { price: '0.05' }),
        await stocked(1000, { price: '1234.56' }),
      ];
      const placed = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          post({
            customer_id: customer.id,
            lines: [products[index % 3], products[(index + 1 + (index % 2)) % 3]].map(
              (product, position) => ({
                product_id: product.id,
                quantity: 1 + ((index + position) % 4),
              }),
            ),
          }),
        ),
      );
      expect(placed.map((response) => response.status)).toEqual(Array<number>(24).fill(201));
      const ids = placed.map((response) => (response.body as OrderBody).id);
      // Every third order is cancelled by three racing requests, while more orders are placed.
      const racing = await Promise.all([
        ...ids
          .filter((_, index) => index % 3 === 0)
          .flatMap((id) => [move(id, 'cancelled'), move(id, 'cancelled'), move(id, 'cancelled')]),
        ...Array.from({ length: 6 }, (_, index) =>
          post({
            customer_id: customer.id,
            lines: [{ product_id: products[index % 3].id, quantity: 2 }],
          }),
        ),
      ]);
      expect(racing.filter((response) => response.status >= 500)).toEqual([]);
      expect(racing.filter((response) => response.status === 200)).toHaveLength(8);
      const [after] = await summariesAndLines();
      expect(after.summaries).toBe(after.lines);
      const [row] = await sql<Array<{ units: string }>>(
        'SELECT units_sold::text AS units FROM product_sales WHERE product_id = $1',
        [products[0].id],
      );
      expect(Number(row.units)).toBeGreaterThan(0);
    });

    it("should drop a deleted product's summary with it", async () => {
      const product = await stocked(10);
      await placeOrder(t.http, customer.id, [{ product_id: product.id, quantity: 2 }]);
      await api().delete(`/api/v1/products/${product.id}`).expect(204);
      expect(await sql('SELECT 1 FROM product_sales WHERE product_id = $1', [product.id])).toEqual(
        [],
      );
      const [after] = await summariesAndLines();
      expect(after.summaries).toBe(after.lines);
    });
  });

  describe('metrics', () => {
    it('should count orders by outcome and time their placement', async () => {
      const metrics = (await api().get('/metrics').expect(200)).text;
      for (const outcome of ['placed', 'insufficient_stock', 'invalid', 'cancelled'])
        expect(metrics).toMatch(new RegExp(`catalog_orders_total\\{outcome="${outcome}"\\} [1-9]`));
      expect(metrics).toMatch(
        /catalog_order_placement_duration_seconds_count\{outcome="placed"\} [1-9]/,
      );
    });
  });
});
