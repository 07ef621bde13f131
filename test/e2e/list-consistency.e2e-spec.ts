import request from 'supertest';
import { createCategory, createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

interface ListPage {
  items: unknown[];
  total: number;
  offset: number;
}

describe('List totals under concurrent writes (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Without the result cache, so that every read runs its SQL.
    t = await createTestApp({ RESULT_CACHE_ENTRIES: '0' });
  });
  afterAll(() => t.close());

  /**
   * Reads `path` (limit=100) over and over while two writers create `creates` rows each; answers
   * how many reads ran and the pages whose total disagrees with their items: a page that is not
   * full holds every row there is, so its total is exactly offset + items.
   */
  async function race(
    path: string,
    create: () => Promise<unknown>,
    creates = 45,
  ): Promise<{ reads: number; inconsistent: Array<{ items: number; total: number }> }> {
    let writing = true;
    const writers = Promise.all(
      [0, 1].map(async () => {
        for (let index = 0; index < creates; index++) await create();
      }),
    ).finally(() => (writing = false));
    let reads = 0;
    const inconsistent: Array<{ items: number; total: number }> = [];
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (writing) {
          const page = (await request(t.http).get(path).expect(200)).body as ListPage;
          reads++;
          const full = page.items.length === 100;
          if (full ? page.total < 100 : page.total !== page.offset + page.items.length)
            inconsistent.push({ items: page.items.length, total: page.total });
        }
      }),
    );
    await writers;
    return { reads, inconsistent };
  }

  it('should answer products whose total agrees with the page, round after round of racing creates', async () => {
    const { reads, inconsistent } = await race('/api/v1/products?limit=100', () =>
      createProduct(t.http),
    );
    expect(inconsistent).toEqual([]);
    expect(reads).toBeGreaterThan(50);
  });

  it('should answer categories, and the children of one, whose total agrees with the page while creates race', async () => {
    const all = await race('/api/v1/categories?limit=100', () => createCategory(t.http));
    expect(all.inconsistent).toEqual([]);
    expect(all.reads).toBeGreaterThan(50);

    const parent = await createCategory(t.http);
    const children = await race(`/api/v1/categories?parent_id=${parent.id}&limit=100`, () =>
      createCategory(t.http, undefined, parent.id),
    );
    expect(children.inconsistent).toEqual([]);
    expect(children.reads).toBeGreaterThan(50);
  });

  it('should answer the total of an empty page, and 404 for the children of a missing category', async () => {
    const beyond = (await request(t.http).get('/api/v1/products?offset=100000').expect(200))
      .body as ListPage;
    expect(beyond.items).toEqual([]);
    expect(beyond.total).toBeGreaterThan(0);
    const leaf = await createCategory(t.http);
    const none = await request(t.http)
      .get(`/api/v1/categories?parent_id=${leaf.id}&include_total=false`)
      .expect(200);
    expect(none.body).toMatchObject({ items: [], total: null });
    await request(t.http).get('/api/v1/categories?parent_id=987654321').expect(404);
    await request(t.http)
      .get('/api/v1/categories?parent_id=987654321&include_total=false')
      .expect(404);
  });
});
