import request from 'supertest';
import { createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const MiB = 1024 * 1024;

describe('Result cache memory (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.http);
  const cacheHits = async () => {
    const metrics = (await api().get('/metrics').expect(200)).text;
    return Number(/^catalog_result_cache_total\{outcome="hit"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  };
  /** A search answering all 100 long products; each max_price makes it a distinct cache key. */
  const search = async (maxPrice: number) => {
    const response = await api()
      .get(`/api/v1/products/search?q=Flooded&limit=100&max_price=${maxPrice}.00`)
      .expect(200);
    expect(response.body.items).toHaveLength(100);
  };
  const searchAll = async (maxPrices: number[], concurrency = 4) => {
    const queue = [...maxPrices];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let price = queue.shift(); price !== undefined; price = queue.shift())
          await search(price);
      }),
    );
  };
  const range = (from: number, count: number) =>
    Array.from({ length: count }, (_, index) => from + index);

  beforeAll(async () => {
    // The default configuration: RESULT_CACHE_ENTRIES=1000, RESULT_CACHE_MAX_BYTES=32 MiB.
    t = await createTestApp();
    for (let index = 0; index < 100; index++) {
      await createProduct(t.http, {
        title: `Flooded shelf ${index}`,
        description: `${index} ${'long description '.repeat(600)}`.slice(0, 10_000),
      });
    }
  });
  afterAll(() => t.close());

  it('should keep RSS bounded under a flood of distinct searches answering long descriptions, and still hit', async () => {
    // Warm up first (JIT, pool, heap), so that the growth measured below is the cache's.
    await searchAll(range(10_000, 40));
    const before = process.memoryUsage().rss;
    await searchAll(range(20_000, 400));
    const growth = process.memoryUsage().rss - before;

    // Each search answers 100 × 10,000 characters. Measured: with the cache bounded by entries
    // only, the 400 entries (fewer than RESULT_CACHE_ENTRIES) grew RSS by 673 MiB; with the 32 MiB
    // budget, filled during the warm-up already, by 4-10 MiB.
    expect(growth).toBeLessThan(150 * MiB);

    const hitsBefore = await cacheHits();
    await search(20_399);
    expect(await cacheHits()).toBe(hitsBefore + 1);
  }, 180_000);
});
