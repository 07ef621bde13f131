import request from 'supertest';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import {
  CategoryBody,
  createCategory,
  createChain,
  createProduct,
  ProductBody,
  uniqueName,
  uniqueSku,
} from '../factories/catalog.factory';
import { TestApp } from '../utils/test-app';
import {
  createAdversarialApp,
  expectProblem,
  expectSafe,
  expectStatus,
  sleep,
} from './adversarial.helpers';

const statusesOf = (responses: Response[]) => responses.map((response) => response.status);
const count = (responses: Response[], status: number) =>
  responses.filter((response) => response.status === status).length;

describe('Races (e2e)', () => {
  let t: TestApp;
  let dataSource: DataSource;
  const api = () => request(t.http);

  beforeAll(async () => {
    t = await createAdversarialApp();
    dataSource = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  /** Every category's path to its root, read from the table: no cycle, no depth over 100. */
  async function expectForest(): Promise<void> {
    const rows: Array<{ id: string; parent_id: string | null }> = await dataSource.query(
      'SELECT id, parent_id FROM category',
    );
    const parentOf = new Map(rows.map((row) => [row.id, row.parent_id]));
    for (const row of rows) {
      const seen = new Set<string>();
      let depth = 0;
      for (let id: string | null = row.id; (id = parentOf.get(id) ?? null) !== null; depth++) {
        if (seen.has(id)) throw new Error(`category ${row.id} is in a cycle through ${id}`);
        if (!parentOf.has(id)) throw new Error(`category ${row.id} has a missing ancestor ${id}`);
        seen.add(id);
      }
      if (depth > 100) throw new Error(`category ${row.id} is at depth ${depth}`);
    }
  }

  async function orphanProducts(): Promise<number> {
    const [{ orphans }] = await dataSource.query(
      `SELECT count(*)::int AS orphans FROM product p LEFT JOIN category c ON c.id = p.category_id
       WHERE p.category_id IS NOT NULL AND c.id IS NULL`,
    );
    return orphans as number;
  }

  describe('creates', () => {
    it('should answer exactly one 201 and 49 problem 409s for 50 parallel creates of one SKU, in any spelling', async () => {
      for (let round = 0; round < 2; round++) {
        const sku = uniqueSku('RACE').toLowerCase();
        const spellings = [sku, sku.toUpperCase(), ` ${sku} `, `${sku.toUpperCase()}\t`];
        const responses = await Promise.all(
          Array.from({ length: 50 }, (_, index) =>
            api()
              .post('/api/v1/products')
              .send({ title: `Racer ${index}`, sku: spellings[index % 4], price: `${index}.00` }),
          ),
        );
        responses.forEach((response) => expectSafe(response, `POST product sku ${sku}`));
        expect({ created: count(responses, 201), conflicts: count(responses, 409) }).toEqual({
          created: 1,
          conflicts: 49,
        });
        responses.filter((r) => r.status === 409).forEach((r) => expectProblem(r, 'a 409'));
        const [{ rows }] = await dataSource.query(
          'SELECT count(*)::int AS rows FROM product WHERE sku = $1',
          [sku.toUpperCase()],
        );
        expect(rows).toBe(1);
      }
    });

    it('should answer exactly one 201 and problem 409s for parallel creates of one sibling name, roots included', async () => {
      const parent = await createCategory(t.http);
      for (const parentId of [parent.id, null]) {
        const name = uniqueName('Racing sibling');
        const responses = await Promise.all(
          Array.from({ length: 30 }, (_, index) =>
            api()
              .post('/api/v1/categories')
              .send({ name: index % 2 ? ` ${name}` : name, parent_id: parentId }),
          ),
        );
        responses.forEach((response) => expectSafe(response, `POST category ${name}`));
        expect({ created: count(responses, 201), conflicts: count(responses, 409) }).toEqual({
          created: 1,
          conflicts: 29,
        });
      }
    });

    it('should let only one of many renames and moves onto one sibling name succeed', async () => {
      const parent = await createCategory(t.http);
      const name = uniqueName('Contested');
      const siblings = await Promise.all(
        Array.from({ length: 10 }, () => createCategory(t.http, uniqueName('Renamed'), parent.id)),
      );
      // Categories of the same name elsewhere, each under a parent of its own, to be moved in.
      const others = await Promise.all(
        Array.from({ length: 9 }, async () =>
          createCategory(t.http, name, (await createCategory(t.http)).id),
        ),
      );
      const responses = await Promise.all([
        ...siblings.map((sibling) =>
          api().patch(`/api/v1/categories/${sibling.id}`).send({ name }),
        ),
        ...others.map((other) =>
          api().patch(`/api/v1/categories/${other.id}`).send({ parent_id: parent.id }),
        ),
      ]);
      responses.forEach((response) => expectSafe(response, 'rename or move'));
      expect(statusesOf(responses).filter((status) => status !== 200 && status !== 409)).toEqual(
        [],
      );
      expect(count(responses, 200)).toBe(1);
      const children = await api()
        .get(`/api/v1/categories?parent_id=${parent.id}&limit=100`)
        .expect(200);
      expect(children.body.items.filter((child: CategoryBody) => child.name === name)).toHaveLength(
        1,
      );
    });
  });

  describe('moves', () => {
    it('should never make a cycle when opposite moves race, over many rounds', async () => {
      const a = await createChain(t.http, 3);
      const b = await createChain(t.http, 3);
      const c = await createChain(t.http, 3);
      for (let round = 0; round < 16; round++) {
        // Two chains moved under each other's leaf, or three in a ring: at most all but one succeed.
        const ring = round % 2 === 0 ? [a, b] : [a, b, c];
        const responses = await Promise.all(
          ring.map((chain, index) =>
            api()
              .patch(`/api/v1/categories/${chain[0].id}`)
              .send({ parent_id: ring[(index + 1) % ring.length][2].id }),
          ),
        );
        responses.forEach((response) => expectStatus(response, [200, 422], 'a racing move'));
        expect(count(responses, 200)).toBe(ring.length - 1);
        await expectForest();
        for (const chain of [a, b, c])
          await api()
            .patch(`/api/v1/categories/${chain[0].id}`)
            .send({ parent_id: null })
            .expect(200);
      }
    });

    it('should never make a cycle when a move races its mirror between parent and child', async () => {
      const pairs = await Promise.all(
        Array.from({ length: 10 }, async () => [
          await createCategory(t.http),
          await createCategory(t.http),
        ]),
      );
      const responses = await Promise.all(
        pairs.flatMap(([x, y]) => [
          api().patch(`/api/v1/categories/${x.id}`).send({ parent_id: y.id }),
          api().patch(`/api/v1/categories/${y.id}`).send({ parent_id: x.id }),
        ]),
      );
      responses.forEach((response) => expectStatus(response, [200, 422], 'a mirrored move'));
      for (let index = 0; index < responses.length; index += 2)
        expect([responses[index].status, responses[index + 1].status].sort()).toEqual([200, 422]);
      await expectForest();
      for (const [x, y] of pairs) {
        const ancestorsX = await api().get(`/api/v1/categories/${x.id}/ancestors`).expect(200);
        const ancestorsY = await api().get(`/api/v1/categories/${y.id}/ancestors`).expect(200);
        expect(ancestorsX.body.length + ancestorsY.body.length).toBe(1);
      }
    });

    it('should never exceed depth 100 when two moves that are each fine alone race, round after round', async () => {
      const a = await createChain(t.http, 98); // depths 0..97
      const b = await createChain(t.http, 2); // under a: 98..99, fine alone
      const c = await createChain(t.http, 2); // under b: 2..3, fine alone; under b under a: 100..101
      for (let round = 0; round < 8; round++) {
        const moves = [
          api().patch(`/api/v1/categories/${b[0].id}`).send({ parent_id: a[97].id }),
          api().patch(`/api/v1/categories/${c[0].id}`).send({ parent_id: b[1].id }),
        ];
        const responses = await Promise.all(round % 2 ? moves.reverse() : moves);
        responses.forEach((response) => expectStatus(response, [200, 422], 'a deepening move'));
        expect(count(responses, 200)).toBe(1);
        await expectForest();
        for (const chain of [b, c])
          await api()
            .patch(`/api/v1/categories/${chain[0].id}`)
            .send({ parent_id: null })
            .expect(200);
      }
    });
  });

  describe('deletes', () => {
    it('should answer every search over a subtree being deleted with a consistent 200 or a 404, and leave no orphans', async () => {
      const bystander = await createCategory(t.http);
      const onlooker = await createProduct(t.http, { category_id: bystander.id });
      let overlapping = 0;
      for (let round = 0; round < 3; round++) {
        const chain = await createChain(t.http, 12);
        const branch = await createChain(t.http, 4, chain[5].id);
        const subtree = [...chain, ...branch];
        const ids = new Set(subtree.map((category) => category.id));
        const products: ProductBody[] = [];
        for (const [index, category] of subtree.entries())
          products.push(
            await createProduct(t.http, { category_id: category.id, price: `${index}.00` }),
          );
        /** How many products a search of `id` finds while the subtree stands. */
        const below = (id: number): number => {
          const under = new Set([id]);
          for (const category of subtree)
            if (category.parent_id !== null && under.has(category.parent_id))
              under.add(category.id);
          return products.filter((product) => under.has(product.category_id!)).length;
        };

        const targets = [chain[0].id, chain[5].id, branch[3].id, chain[11].id, bystander.id];
        let deleteSentAt = Infinity;
        let deleteDoneAt = Infinity;
        const searches = Array.from({ length: 60 }, async (_, index) => {
          await sleep(index * 1.5);
          const id = targets[index % targets.length];
          const sentAt = performance.now();
          const response = await api().get(`/api/v1/products/search?category_id=${id}&limit=100`);
          return { id, sentAt, doneAt: performance.now(), response };
        });
        const deletion = (async () => {
          await sleep(30);
          deleteSentAt = performance.now();
          const response = await api().delete(`/api/v1/categories/${chain[0].id}`);
          deleteDoneAt = performance.now();
          return response;
        })();
        const [deleted, ...results] = await Promise.all([deletion, ...searches]);
        expect(deleted.status).toBe(204);

        overlapping += results.filter(
          (result) => result.sentAt < deleteDoneAt && result.doneAt > deleteSentAt,
        ).length;
        for (const { id, sentAt, doneAt, response } of results) {
          const what = `GET /api/v1/products/search?category_id=${id} (round ${round})`;
          expectStatus(response, [200, 404], what);
          if (id === bystander.id) {
            expect(response.status).toBe(200);
            expect(response.body.items.map((item: ProductBody) => item.id)).toEqual([onlooker.id]);
            continue;
          }
          if (doneAt < deleteSentAt) expect(response.status).toBe(200);
          if (sentAt > deleteDoneAt) expect(response.status).toBe(404);
          if (response.status === 200) {
            // The exact count of the subtree's products, a page that agrees with it (one statement
            // reads both), and never a product from outside the subtree.
            expect({ what, total: response.body.total }).toEqual({ what, total: below(id) });
            expect({ what, items: response.body.items.length }).toEqual({ what, items: below(id) });
            for (const item of response.body.items as ProductBody[])
              expect(ids.has(item.category_id!)).toBe(true);
          }
        }
        expect(await orphanProducts()).toBe(0);
        const [{ left }] = await dataSource.query(
          'SELECT count(*)::int AS left FROM category WHERE id = ANY($1::bigint[])',
          [[...ids]],
        );
        expect(left).toBe(0);
        const [{ kept }] = await dataSource.query(
          'SELECT count(*)::int AS kept FROM product WHERE id = ANY($1::bigint[]) AND category_id IS NULL',
          [products.map((product) => product.id)],
        );
        expect(kept).toBe(products.length);
      }
      // The race was real: searches were in flight while a delete ran.
      expect(overlapping).toBeGreaterThan(0);
    });

    // A search reads its page and its total in one statement, so a search racing the delete of its
    // category sees the subtree whole or not at all: never {"items": [], "total": 24}.
    it('should answer a search racing a subtree delete with a page that agrees with its total', async () => {
      const statuses: number[] = [];
      for (let round = 0; round < 12; round++) {
        const chain = await createChain(t.http, 12);
        for (const category of chain)
          for (let copy = 0; copy < 2; copy++)
            await createProduct(t.http, { category_id: category.id });
        const searches = Array.from({ length: 60 }, async (_, index) => {
          await sleep(index * 1.5);
          const level = index % 3;
          const response = await api().get(
            `/api/v1/products/search?category_id=${chain[level].id}&limit=100`,
          );
          return { level, response };
        });
        const deletion = sleep(30).then(() => api().delete(`/api/v1/categories/${chain[0].id}`));
        const [deleted, ...results] = await Promise.all([deletion, ...searches]);
        expect(deleted.status).toBe(204);
        for (const { level, response } of results) {
          const what = `a search of level ${level} racing a delete (round ${round})`;
          expectStatus(response, [200, 404], what);
          statuses.push(response.status);
          // Two products in each of the 12 - level categories of the subtree.
          const whole = 2 * (12 - level);
          if (response.status === 200)
            expect({ what, items: response.body.items.length, total: response.body.total }).toEqual(
              { what, items: whole, total: whole },
            );
        }
      }
      // Both sides of the race were seen: pages read before the delete, and 404s after it.
      expect({ found: statuses.includes(200), gone: statuses.includes(404) }).toEqual({
        found: true,
        gone: true,
      });
    });

    it('should answer creates, links and moves into a category being deleted with 2xx or 422, and leave no orphans', async () => {
      for (let round = 0; round < 10; round++) {
        const doomed = await createCategory(t.http);
        const product = await createProduct(t.http);
        const mover = await createCategory(t.http);
        const responses = await Promise.all([
          ...Array.from({ length: 4 }, (_, index) =>
            api()
              .post('/api/v1/products')
              .send({
                title: `Late ${index}`,
                sku: uniqueSku('LATE'),
                price: '1.00',
                category_id: doomed.id,
              }),
          ),
          api()
            .post('/api/v1/categories')
            .send({ name: uniqueName('Late child'), parent_id: doomed.id }),
          api().patch(`/api/v1/products/${product.id}`).send({ category_id: doomed.id }),
          api().patch(`/api/v1/categories/${mover.id}`).send({ parent_id: doomed.id }),
          api().delete(`/api/v1/categories/${doomed.id}`),
        ]);
        const deleted = responses.pop()!;
        expect(deleted.status).toBe(204);
        responses.forEach((response) =>
          expectStatus(response, [200, 201, 422], 'a write racing a delete'),
        );
        expect(await orphanProducts()).toBe(0);
        await expectForest();
        const [{ children }] = await dataSource.query(
          'SELECT count(*)::int AS children FROM category WHERE parent_id = $1',
          [doomed.id],
        );
        expect(children).toBe(0);
      }
    });

    it('should answer a PATCH racing the DELETE of one product with 200 or 404, and the product stays gone', async () => {
      for (let round = 0; round < 10; round++) {
        const product = await createProduct(t.http);
        const [patch, remove] = await Promise.all([
          api().patch(`/api/v1/products/${product.id}`).send({ title: 'Too late?' }),
          api().delete(`/api/v1/products/${product.id}`),
        ]);
        expectStatus(patch, [200, 404], 'PATCH racing DELETE');
        expectStatus(remove, [204], 'DELETE racing PATCH');
        await api().get(`/api/v1/products/${product.id}`).expect(404);
      }
    });
  });

  describe('updates', () => {
    it('should answer 20 concurrent full PATCHes of one product with 200 each, ending in exactly one of them', async () => {
      const categories = await Promise.all([createCategory(t.http), createCategory(t.http)]);
      for (let round = 0; round < 3; round++) {
        const product = await createProduct(t.http);
        const patches = Array.from({ length: 20 }, (_, index) => ({
          title: `Patch ${round}-${index}`,
          description: `Written by patch ${index}`,
          price: `${index + 1}.${String(index).padStart(2, '0')}`,
          category_id: index % 3 === 2 ? null : categories[index % 3].id,
          image_url: `https://cdn.example.com/${index}.png`,
        }));
        const responses = await Promise.all(
          patches.map((patch) => api().patch(`/api/v1/products/${product.id}`).send(patch)),
        );
        responses.forEach((response, index) => {
          expectStatus(response, [200], `PATCH ${index}`);
          expect(response.body).toMatchObject(patches[index]);
        });
        const final = (await api().get(`/api/v1/products/${product.id}`).expect(200))
          .body as ProductBody;
        const { title, description, price, category_id, image_url } = final;
        expect(patches).toContainEqual({ title, description, price, category_id, image_url });
        const { created_at: createdAt, updated_at: updatedAt } = final;
        expect(Date.parse(updatedAt)).toBeGreaterThanOrEqual(Date.parse(createdAt));
        expect(createdAt).toBe(product.created_at);
      }
    });

    it('should not lose either of two concurrent PATCHes of different fields', async () => {
      for (let round = 0; round < 15; round++) {
        const product = await createProduct(t.http, {
          title: 'Before',
          price: '1.00',
          description: 'before',
        });
        const [title, price, description] = await Promise.all([
          api()
            .patch(`/api/v1/products/${product.id}`)
            .send({ title: `After ${round}` }),
          api()
            .patch(`/api/v1/products/${product.id}`)
            .send({ price: `${round}.99` }),
          api()
            .patch(`/api/v1/products/${product.id}`)
            .send({ description: `after ${round}` }),
        ]);
        [title, price, description].forEach((response) =>
          expectStatus(response, [200], 'PATCH one field'),
        );
        const final = (await api().get(`/api/v1/products/${product.id}`).expect(200)).body;
        expect(final).toMatchObject({
          title: `After ${round}`,
          price: `${round}.99`,
          description: `after ${round}`,
        });
      }
    });
  });
});
