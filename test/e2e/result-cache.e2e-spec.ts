import request from 'supertest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const MiB = 1024 * 1024;

// A full collection before each reading, so that what is measured is what the service keeps,
// not garbage the collector has not got to yet (other test files run in the same worker).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const retained = () => {
  collectGarbage();
  return process.memoryUsage();
};

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
    const before = retained();
    await searchAll(range(20_000, 400));
    const after = retained();

    // Each search answers 100 × 10,000 characters. Measured: with the cache bounded by entries
    // only (RESULT_CACHE_MAX_BYTES=4294967296), the 400 entries grew the heap by 400 MiB after a
    // full collection, and RSS by 673 MiB; with the 32 MiB budget, filled during the warm-up
    // already, the heap by less than 10 MiB and RSS by 4-10 MiB alone, up to 230 MiB when other
    // files ran in the same worker first (the allocator keeps pages it freed).
    expect(after.heapUsed - before.heapUsed).toBeLessThan(64 * MiB);
    expect(after.rss - before.rss).toBeLessThan(400 * MiB);

    const hitsBefore = await cacheHits();
    await search(20_399);
    expect(await cacheHits()).toBe(hitsBefore + 1);
  }, 180_000);
});
