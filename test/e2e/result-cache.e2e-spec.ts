import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { App } from 'supertest/types';
import { createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { createTestDatabase, TestDatabase } from '../utils/test-database';
import { freePort } from '../utils/test-database-server';

const MiB = 1024 * 1024;

// A full collection before each reading, so that what is measured is what the service keeps,
// not garbage the collector has not got to yet (other test files run in the same worker).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const retainedHeap = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

/** The resident memory of a process of this machine, from /proc. */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) * 1024;
}

/** 100 products with 10,000-character descriptions, and searches that each answer all of them. */
function flood(target: () => App | string) {
  const api = () => request(target());
  /** Each max_price makes the search a distinct cache key. */
  const search = async (maxPrice: number) => {
    const response = await api()
      .get(`/api/v1/products/search?q=Flooded&limit=100&max_price=${maxPrice}.00`)
      .expect(200);
    expect(response.body.items).toHaveLength(100);
  };
  return {
    seed: async () => {
      for (let index = 0; index < 100; index++) {
        await createProduct(target(), {
          title: `Flooded shelf ${index}`,
          description: `${index} ${'long description '.repeat(600)}`.slice(0, 10_000),
        });
      }
    },
    search,
    /** Searches with every max_price from `from` on, `count` of them, four at a time. */
    searchAll: async (from: number, count: number) => {
      const queue = Array.from({ length: count }, (_, index) => from + index);
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let price = queue.shift(); price !== undefined; price = queue.shift())
            await search(price);
        }),
      );
    },
    cacheHits: async () => {
      const metrics = (await api().get('/metrics').expect(200)).text;
      return Number(/^catalog_result_cache_total\{outcome="hit"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    },
  };
}

// Each search answers 100 × 10,000 characters; 400 distinct ones, after 40 to warm up (JIT, pool,
// heap, and the 32 MiB budget filled), so that the growth measured is the cache's. Measured with
// the cache bounded by entries only (RESULT_CACHE_MAX_BYTES=4294967296): the heap grew by 400 MiB
// after a full collection, and a service process's RSS by 398 MiB; with the default budget, the
// heap by less than 10 MiB and the process's RSS by 31 MiB.
describe('Result cache memory (e2e)', () => {
  describe('in process', () => {
    let t: TestApp;
    const service = flood(() => t.http);
    beforeAll(async () => {
      // The default configuration: RESULT_CACHE_ENTRIES=1000, RESULT_CACHE_MAX_BYTES=32 MiB.
      t = await createTestApp();
      await service.seed();
    });
    afterAll(() => t.close());

    it('should keep the heap bounded under a flood of distinct searches, and still hit', async () => {
      await service.searchAll(10_000, 40);
      const before = retainedHeap();
      await service.searchAll(20_000, 400);
      expect(retainedHeap() - before).toBeLessThan(64 * MiB);

      const hitsBefore = await service.cacheHits();
      await service.search(20_399);
      expect(await service.cacheHits()).toBe(hitsBefore + 1);
    }, 180_000);
  });

  // RSS is the service's own only in a process of its own: a jest worker's also holds what the
  // other test files of the worker left behind.
  describe('as a process of its own', () => {
    let database: TestDatabase;
    let child: ChildProcess;
    let url: string;
    const service = flood(() => url);

    beforeAll(async () => {
      database = await createTestDatabase();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        env: {
          ...process.env,
          PORT: String(port),
          DATABASE_URL: database.url,
          LOG_LEVEL: 'silent',
          RATE_LIMIT_PER_MINUTE: '0',
        },
        stdio: 'ignore',
      });
      const deadline = Date.now() + 30_000;
      while (
        !(await request(url)
          .get('/health')
          .then(
            (r) => r.status === 200,
            () => false,
          ))
      ) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error('the service did not start');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await service.seed();
    }, 60_000);
    afterAll(async () => {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      await database.drop();
    });

    it('should keep RSS bounded under a flood of distinct searches', async () => {
      await service.searchAll(10_000, 40);
      const before = await rssOf(child.pid!);
      await service.searchAll(20_000, 400);
      expect((await rssOf(child.pid!)) - before).toBeLessThan(200 * MiB);
    }, 180_000);
  });
});
