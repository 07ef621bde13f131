import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config/configuration';
import { CatalogMetrics } from '../metrics/catalog-metrics';

type Compute = () => Promise<object>;

/**
 * Results of list and search reads, keyed by the catalog version they were read under. Any write
 * changes the version (for every replica: see CatalogVersion), so no cached result outlives an
 * acknowledged write; entries of older versions simply age out. Concurrent misses of one key
 * share a single read. Bounded by RESULT_CACHE_ENTRIES and by RESULT_CACHE_MAX_BYTES (a result
 * larger than the whole budget is not kept); either one at 0 turns it off.
 */
@Injectable()
export class ResultCache {
  private readonly cache?: LRUCache<string, object, Compute>;

  constructor(
    config: AppConfig,
    private readonly metrics: CatalogMetrics,
  ) {
    if (config.RESULT_CACHE_ENTRIES > 0 && config.RESULT_CACHE_MAX_BYTES > 0) {
      this.cache = new LRUCache<string, object, Compute>({
        max: config.RESULT_CACHE_ENTRIES,
        maxSize: config.RESULT_CACHE_MAX_BYTES,
        sizeCalculation: (result, key) => sizeOf(key) + sizeOf(result),
        // A read whose entry is evicted while it runs still answers its callers.
        ignoreFetchAbort: true,
        fetchMethod: (_key, _stale, { context }) => context(),
      });
    }
  }

  /** The result of `compute` for `key` at `catalogVersion`, computed at most once while cached. */
  async get<T extends object>(
    catalogVersion: string,
    key: string,
    compute: () => Promise<T>,
  ): Promise<T> {
    if (!this.cache) return compute();
    const status: LRUCache.Status<string, object, Compute> = {};
    const result = await this.cache.fetch(`${catalogVersion}\n${key}`, {
      context: compute,
      status,
    });
    // 'inflight': another request's read of the same key answered this one too.
    const shared = status.fetch === 'hit' || status.fetch === 'inflight';
    this.metrics.resultCache.inc({ outcome: shared ? 'hit' : 'miss' });
    return result as T;
  }
}

/**
 * Bytes a result holds, over-counted rather than under-counted, in one walk that costs less than
 * the result's own JSON: text dominates (descriptions of up to 10,000 characters), and V8 keeps a
 * string that is not all Latin-1 at two bytes per UTF-16 unit, so every character counts two; any
 * other value, and every object or array, counts a header above what V8 allocates for it.
 */
export function sizeOf(value: unknown): number {
  if (typeof value === 'string') return 32 + 2 * value.length;
  if (value === null || typeof value !== 'object') return 16;
  let size = 64;
  for (const member of Object.values(value)) size += 8 + sizeOf(member);
  return size;
}
