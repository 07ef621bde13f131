import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCategory, createChain, uniqueName } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('Categories (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** Walks every category up to its root; fails on a cycle or a depth over 100. */
  async function expectSoundTree(): Promise<void> {
    const rows = await t.app
      .get(DataSource)
      .query<Array<{ id: string; parent_id: string | null }>>('SELECT id, parent_id FROM category');
    const parents = new Map(rows.map((row) => [row.id, row.parent_id]));
    for (const id of parents.keys()) {
      let depth = 0;
      for (let current = parents.get(id); current !== null; current = parents.get(current!)) {
        depth++;
        expect(depth).toBeLessThanOrEqual(100);
        expect(current).not.toBe(id);
      }
    }
  }

  describe('create and read', () => {
    it('should create a root with 201, a Location and the contract shape', async () => {
      const name = uniqueName('Books');
      const response = await api()
        .post('/api/v1/categories')
        .send({ name: `  ${name}  ` })
        .expect(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        name,
        parent_id: null,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      expect(response.headers.location).toBe(`/api/v1/categories/${response.body.id}`);
      await api().get(response.headers.location).expect(200, response.body);
    });

    it('should accept a name of 255 emoji and refuse 256', async () => {
      await api()
        .post('/api/v1/categories')
        .send({ name: '😀'.repeat(255) })
        .expect(201);
      const response = await api()
        .post('/api/v1/categories')
        .send({ name: '😀'.repeat(256) })
        .expect(422);
      expect(response.body.errors).toEqual([
        { field: 'name', message: 'name must be 1 to 255 characters long' },
      ]);
    });

    it.each([
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'a\u0000b' }, 'name'],
      [{ name: 'line\nbreak' }, 'name'],
      [{ name: 42 }, 'name'],
      [{}, 'name'],
      [{ name: 'Ok', parent_id: 'abc' }, 'parent_id'],
      [{ name: 'Ok', parent_id: 0 }, 'parent_id'],
      [{ name: 'Ok', parent_id: 1.5 }, 'parent_id'],
      [{ name: 'Ok', created_at: '2020-01-01T00:00:00.000Z' }, 'created_at'],
    ])('should refuse %j with a 422 naming %s', async (body, field) => {
      const response = await api().post('/api/v1/categories').send(body).expect(422);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it('should refuse a JSON array body with a 422', async () => {
      await api()
        .post('/api/v1/categories')
        .send([{ name: 'x' }])
        .expect(422);
    });

    it('should answer 422 for an unknown parent', async () => {
      const response = await api()
        .post('/api/v1/categories')
        .send({ name: 'Orphan', parent_id: 999999 })
        .expect(422);
      expect(response.body.code).toBe('unknown_parent');
    });

    it('should answer 404 for a missing id and 422 for a malformed one', async () => {
      await api().get('/api/v1/categories/987654321').expect(404);
      for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
        const response = await api().get(`/api/v1/categories/${id}`).expect(422);
        expect(response.body.errors).toEqual([
          { field: 'id', message: 'id must be a positive integer' },
        ]);
      }
    });

    it('should list all categories or the direct children of parent_id, by id, with limits', async () => {
      const parent = await createCategory(t.http);
      const children = [
        await createCategory(t.http, 'b', parent.id),
        await createCategory(t.http, 'a', parent.id),
      ];
      await createCategory(t.http, 'grandchild', children[0].id);

      const page = await api().get(`/api/v1/categories?parent_id=${parent.id}`).expect(200);
      expect(page.body).toEqual({
        items: children,
        total: 2,
        limit: 20,
        offset: 0,
        next_cursor: null,
      });
      const second = await api()
        .get(`/api/v1/categories?parent_id=${parent.id}&limit=1&offset=1`)
        .expect(200);
      expect(second.body).toEqual({
        items: [children[1]],
        total: 2,
        limit: 1,
        offset: 1,
        next_cursor: null,
      });

      const all = await api().get('/api/v1/categories?limit=100').expect(200);
      const ids = all.body.items.map((category: { id: number }) => category.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      await api().get('/api/v1/categories?parent_id=987654321').expect(404);
    });

    it.each([
      'limit=0',
      'limit=101',
      'limit=abc',
      'offset=-1',
      'offset=1.5',
      'parent_id=x',
      'depth=1',
    ])('should refuse the list query %s with a 422', async (query) => {
      await api().get(`/api/v1/categories?${query}`).expect(422);
    });
  });

  describe('depth', () => {
    it('should build a chain of 101 categories through the API and refuse the 102nd', async () => {
      const chain = await createChain(t.http, 101);
      const response = await api()
        .post('/api/v1/categories')
        .send({ name: 'Too deep', parent_id: chain[100].id })
        .expect(422);
      expect(response.body.code).toBe('depth_exceeded');

      const ancestors = await api()
        .get(`/api/v1/categories/${chain[100].id}/ancestors`)
        .expect(200);
      expect(ancestors.body.map((category: { id: number }) => category.id)).toEqual(
        chain.slice(0, 100).map((category) => category.id),
      );
    });

    it('should refuse moving a 3-deep subtree under depth 99 and allow it under depth 97', async () => {
      const chain = await createChain(t.http, 100); // depths 0..99
      const subtree = await createChain(t.http, 3); // a root with a height of 2

      const refused = await api()
        .patch(`/api/v1/categories/${subtree[0].id}`)
        .send({ parent_id: chain[99].id })
        .expect(422);
      expect(refused.body.code).toBe('depth_exceeded');
      expect(refused.body.errors).toEqual([{ field: 'parent_id', message: expect.any(String) }]);
      const refusedAt98 = await api()
        .patch(`/api/v1/categories/${subtree[0].id}`)
        .send({ parent_id: chain[98].id });
      expect({ status: refusedAt98.status, code: refusedAt98.body.code }).toEqual({
        status: 422,
        code: 'depth_exceeded',
      });

      await api()
        .patch(`/api/v1/categories/${subtree[0].id}`)
        .send({ parent_id: chain[97].id })
        .expect(200);
      const ancestors = await api()
        .get(`/api/v1/categories/${subtree[2].id}/ancestors`)
        .expect(200);
      expect(ancestors.body).toHaveLength(100); // the leaf now sits at depth 100
    });
  });

  describe('moves', () => {
    it('should refuse a move under itself or under a descendant', async () => {
      const [top, middle, leaf] = await createChain(t.http, 3);
      for (const target of [top, middle, leaf]) {
        const response = await api()
          .patch(`/api/v1/categories/${top.id}`)
          .send({ parent_id: target.id })
          .expect(422);
        expect(response.body.code).toBe('cycle');
        expect(response.body.errors).toEqual([{ field: 'parent_id', message: expect.any(String) }]);
      }
    });

    it('should make a category a root with parent_id null, and move it back', async () => {
      const [top, middle] = await createChain(t.http, 2);
      const moved = await api()
        .patch(`/api/v1/categories/${middle.id}`)
        .send({ parent_id: null })
        .expect(200);
      expect(moved.body).toMatchObject({ id: middle.id, parent_id: null, name: middle.name });
      const back = await api()
        .patch(`/api/v1/categories/${middle.id}`)
        .send({ parent_id: top.id })
        .expect(200);
      expect(back.body.parent_id).toBe(top.id);
    });

    it('should rename, and refuse a null name or an unknown field', async () => {
      const category = await createCategory(t.http);
      const renamed = await api()
        .patch(`/api/v1/categories/${category.id}`)
        .send({ name: ' Renamed  x ' })
        .expect(200);
      expect(renamed.body.name).toBe('Renamed  x');
      expect(Date.parse(renamed.body.updated_at)).toBeGreaterThanOrEqual(
        Date.parse(category.updated_at),
      );
      await api().patch(`/api/v1/categories/${category.id}`).send({ name: null }).expect(422);
      await api().patch(`/api/v1/categories/${category.id}`).send({ id: 5 }).expect(422);
      await api().patch('/api/v1/categories/987654321').send({ name: 'x' }).expect(404);
      await api().patch('/api/v1/categories/987654321').send({ parent_id: null }).expect(404);
      const unknownParent = await api()
        .patch(`/api/v1/categories/${category.id}`)
        .send({ parent_id: 987654321 });
      expect({ status: unknownParent.status, code: unknownParent.body.code }).toEqual({
        status: 422,
        code: 'unknown_parent',
      });
    });

    it('should never create a cycle when opposite moves race, round after round', async () => {
      for (let round = 0; round < 25; round++) {
        const a = await createCategory(t.http);
        const b = await createCategory(t.http);
        const [aUnderB, bUnderA] = await Promise.all([
          api().patch(`/api/v1/categories/${a.id}`).send({ parent_id: b.id }),
          api().patch(`/api/v1/categories/${b.id}`).send({ parent_id: a.id }),
        ]);
        expect([aUnderB.status, bUnderA.status].sort()).toEqual([200, 422]);
      }
      await expectSoundTree();
    });

    it('should never exceed depth 100 when two moves that are each fine alone race', async () => {
      for (let round = 0; round < 5; round++) {
        // Three separate chains with depths 0..39. Either move alone puts a leaf at depth 79;
        // both together would put one at 119.
        const [p, q, r] = [
          await createChain(t.http, 40),
          await createChain(t.http, 40),
          await createChain(t.http, 40),
        ];
        const results = await Promise.all([
          api().patch(`/api/v1/categories/${q[0].id}`).send({ parent_id: p[39].id }),
          api().patch(`/api/v1/categories/${r[0].id}`).send({ parent_id: q[39].id }),
        ]);
        expect(results.map((result) => result.status).sort()).toEqual([200, 422]);
        expect(results.find((result) => result.status === 422)?.body.code).toBe('depth_exceeded');
      }
      await expectSoundTree();
    });
  });

  describe('sibling names', () => {
    it('should refuse duplicate root names with a 409', async () => {
      const name = uniqueName('Books');
      await createCategory(t.http, name);
      const response = await api().post('/api/v1/categories').send({ name }).expect(409);
      expect(response.body.code).toBe('duplicate_category_name');
    });

    it('should refuse duplicate sibling names and allow the name under another parent', async () => {
      const [first, second] = [await createCategory(t.http), await createCategory(t.http)];
      await createCategory(t.http, 'Laptops', first.id);
      await api()
        .post('/api/v1/categories')
        .send({ name: 'Laptops', parent_id: first.id })
        .expect(409);
      const other = await createCategory(t.http, 'Laptops', second.id);
      // Renaming into a clash, and moving into a parent that already has the name, are 409s too.
      const sibling = await createCategory(t.http, 'Tablets', second.id);
      await api().patch(`/api/v1/categories/${sibling.id}`).send({ name: 'Laptops' }).expect(409);
      await api().patch(`/api/v1/categories/${other.id}`).send({ parent_id: first.id }).expect(409);
    });

    it('should take composed and decomposed spellings as one name, storing NFC, for roots and siblings', async () => {
      const parent = await createCategory(t.http);
      for (const parentId of [null, parent.id]) {
        const name = uniqueName('Caf\u00e9');
        const decomposed = name.normalize('NFD'); // e + U+0301
        expect(decomposed).not.toBe(name);
        await createCategory(t.http, name, parentId);
        const clash = await api()
          .post('/api/v1/categories')
          .send({ name: decomposed, parent_id: parentId })
          .expect(409);
        expect(clash.body.code).toBe('duplicate_category_name');
        const other = await createCategory(t.http, `${decomposed} bis`, parentId);
        expect(other.name).toBe(`${name} bis`);
        const rename = await api()
          .patch(`/api/v1/categories/${other.id}`)
          .send({ name: decomposed })
          .expect(409);
        expect(rename.body.code).toBe('duplicate_category_name');
      }
    });

    it('should answer exactly one 201 and 409s when creates of one name race', async () => {
      const name = uniqueName('Race');
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => api().post('/api/v1/categories').send({ name })),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([201, ...Array<number>(11).fill(409)]);
    });
  });

  describe('delete', () => {
    it('should delete exactly the subtree of a middle node', async () => {
      const root = await createCategory(t.http);
      const middle = await createCategory(t.http, 'middle', root.id);
      const sibling = await createCategory(t.http, 'sibling', root.id);
      const below = await createChain(t.http, 3, middle.id);
      const besideBelow = await createCategory(t.http, 'beside', middle.id);

      await api().delete(`/api/v1/categories/${middle.id}`).expect(204, '');
      for (const gone of [middle, ...below, besideBelow])
        await api().get(`/api/v1/categories/${gone.id}`).expect(404);
      for (const kept of [root, sibling])
        await api().get(`/api/v1/categories/${kept.id}`).expect(200);
      await api().delete(`/api/v1/categories/${middle.id}`).expect(404);
    });
  });

  describe('tree reads', () => {
    it('should answer the nested subtree down to depth levels', async () => {
      const root = await createCategory(t.http);
      const a = await createCategory(t.http, 'a', root.id);
      const b = await createCategory(t.http, 'b', root.id);
      const a1 = await createCategory(t.http, 'a1', a.id);
      await createCategory(t.http, 'a1x', a1.id);

      const one = await api().get(`/api/v1/categories/${root.id}/tree`).expect(200);
      expect(one.body).toEqual({
        ...root,
        children: [
          { ...a, children: [] },
          { ...b, children: [] },
        ],
      });
      const two = await api().get(`/api/v1/categories/${root.id}/tree?depth=2`).expect(200);
      expect(two.body.children[0].children).toEqual([{ ...a1, children: [] }]);
      const none = await api().get(`/api/v1/categories/${root.id}/tree?depth=0`).expect(200);
      expect(none.body).toEqual({ ...root, children: [] });

      await api().get(`/api/v1/categories/${root.id}/tree?depth=101`).expect(422);
      await api().get('/api/v1/categories/987654321/tree').expect(404);
    });

    it('should answer an empty breadcrumb for a root and 404 for a missing category', async () => {
      const root = await createCategory(t.http);
      await api().get(`/api/v1/categories/${root.id}/ancestors`).expect(200, []);
      await api().get('/api/v1/categories/987654321/ancestors').expect(404);
    });
  });
});
