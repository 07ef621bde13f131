import { validateConfig } from '../config/configuration';
import type { CatalogMetrics } from '../metrics/catalog-metrics';
import { ResultCache, sizeOf } from './result-cache.service';

const metrics = { resultCache: { inc: () => undefined } } as unknown as CatalogMetrics;
const cacheOf = (env: Record<string, string>) => new ResultCache(validateConfig(env), metrics);

describe('ResultCache', () => {
  const page = (description: string) => ({
    items: [{ id: '1', title: 'Shelf', description, createdAt: new Date() }],
    total: 1,
    next_cursor: null,
  });

  it('should count at least two bytes per character of text', () => {
    expect(sizeOf(page('x'.repeat(10_000)))).toBeGreaterThan(20_000);
    expect(sizeOf(page('ж'.repeat(10_000)))).toBeGreaterThan(20_000);
  });

  it('should keep results within the byte budget, and answer but not keep a larger one', async () => {
    const cache = cacheOf({ RESULT_CACHE_MAX_BYTES: '10000' });
    let reads = 0;
    const read = (description: string) => () => {
      reads++;
      return Promise.resolve(page(description));
    };

    await cache.get('1', 'small', read('short'));
    await cache.get('1', 'small', read('short'));
    expect(reads).toBe(1);

    const large = await cache.get('1', 'large', read('x'.repeat(5_000)));
    expect(large.items[0].description).toHaveLength(5_000);
    await cache.get('1', 'large', read('x'.repeat(5_000)));
    expect(reads).toBe(3);
  });

  it.each(['RESULT_CACHE_ENTRIES', 'RESULT_CACHE_MAX_BYTES'])(
    'should keep nothing with %s=0',
    async (name) => {
      const cache = cacheOf({ [name]: '0' });
      let reads = 0;
      const read = () => {
        reads++;
        return Promise.resolve(page('short'));
      };
      await cache.get('1', 'key', read);
      await cache.get('1', 'key', read);
      expect(reads).toBe(2);
    },
  );
});
