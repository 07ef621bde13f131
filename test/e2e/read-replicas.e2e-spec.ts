import { Client } from 'pg';
import request from 'supertest';
import { createProduct } from '../factories/catalog.factory';
import { StandalonePostgres } from '../utils/standalone-postgres';
import { createTestApp, TestApp } from '../utils/test-app';
import { createTestDatabase, databaseUrl, TestDatabase } from '../utils/test-database';

async function query(url: string, sql: string, parameters: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<Record<string, unknown>>(sql, parameters);
  } finally {
    await client.end();
  }
}

/** The value of catalog_db_reads_total for one target. */
async function reads(t: TestApp, target: string): Promise<number> {
  const metrics = await request(t.http).get('/metrics').expect(200);
  const line = new RegExp(`^catalog_db_reads_total\\{target="${target}"\\} (\\d+)$`, 'm');
  return Number(line.exec(metrics.text)?.[1] ?? 0);
}

const titles = (response: request.Response): string[] =>
  (response.body as { items: Array<{ title: string }> }).items.map((product) => product.title);

/**
 * Routing with DATABASE_READ_URLS naming a hot standby that streams the primary's WAL, both
 * PostgreSQL servers of this test's own. Every product is written through the service, which
 * forgets the catalog version it keeps (for up to a second) before answering: the next read
 * compares the standby with the primary's version and WAL position after the write.
 */
describe('Read replicas on a streaming standby (e2e)', () => {
  let primary: StandalonePostgres | undefined;
  let standby: StandalonePostgres | undefined;
  let primaryUrl: string;
  let standbyUrl: string;
  let t: TestApp | undefined;

  /** Waits until the standby has replayed all the WAL the primary has written so far. */
  const replayed = async () => {
    const { rows } = await query(server(primary).url, 'SELECT pg_current_wal_insert_lsn() AS lsn');
    const lsn = String(rows[0].lsn);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const state = await query(
        server(standby).url,
        'SELECT pg_last_wal_replay_lsn() >= $1 AS done',
        [lsn],
      );
      if (state.rows[0].done) return;
      if (Date.now() > deadline) throw new Error(`The standby did not replay up to ${lsn}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const pausedReplay = async (work: () => Promise<void>) => {
    await query(standbyUrl, 'SELECT pg_wal_replay_pause()');
    try {
      await work();
    } finally {
      await query(standbyUrl, 'SELECT pg_wal_replay_resume()');
    }
  };
  /**
   * An unconditional GET answered from the standby once it has replayed everything. Tried again
   * (at most 5 times) when the primary wrote WAL of its own (a checkpoint, say) between the wait
   * and the read: that read rightly went to the primary.
   */
  const readFromStandby = async (path: string): Promise<request.Response> => {
    for (let attempt = 1; ; attempt++) {
      await replayed();
      const before = await reads(app(), 'replica');
      const response = await request(app().http).get(path).expect(200);
      if ((await reads(app(), 'replica')) === before + 1) return response;
      if (attempt === 5) throw new Error(`${path} was never answered from the caught-up standby`);
    }
  };
  const app = (): TestApp => {
    if (!t) throw new Error('The app did not start');
    return t;
  };
  const server = (postgres?: StandalonePostgres): StandalonePostgres => {
    if (!postgres) throw new Error('The servers did not start');
    return postgres;
  };

  beforeAll(async () => {
    ({ primary, standby } = await StandalonePostgres.createStreamingPair());
    await query(primary.url, 'CREATE DATABASE catalog');
    primaryUrl = databaseUrl(primary.url, 'catalog');
    standbyUrl = databaseUrl(standby.url, 'catalog');
    // TypeORM connects to every replica at start: the standby must hold the database by then.
    await replayed();
    t = await createTestApp(
      { DATABASE_READ_URLS: standbyUrl },
      { database: { url: primaryUrl, drop: () => Promise.resolve() } },
    );
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([standby?.destroy(), primary?.destroy()]);
  });

  it('should answer an unconditional read from the standby once it has replayed the write, tagged with its version', async () => {
    const created = await createProduct(app().http, { title: 'Streamed lamp' });

    const found = await readFromStandby('/api/v1/products/search?q=Streamed');
    expect(titles(found)).toEqual(['Streamed lamp']);
    const { rows } = await query(standbyUrl, 'SELECT sum(version) AS version FROM catalog_version');
    expect(found.headers.etag).toBe(`W/"c${String(rows[0].version)}"`);
    const byId = await readFromStandby(`/api/v1/products/${created.id}`);
    expect(byId.body).toMatchObject({ id: created.id, title: 'Streamed lamp' });
  });

  it('should read from the primary while the standby has not replayed the write', async () => {
    await pausedReplay(async () => {
      const before = await reads(app(), 'primary_replica_behind');
      await createProduct(app().http, { title: 'Paused lamp' });

      const found = await request(app().http).get('/api/v1/products/search?q=Paused').expect(200);
      expect(titles(found)).toEqual(['Paused lamp']);
      expect(await reads(app(), 'primary_replica_behind')).toBe(before + 1);
      const onStandby = await query(
        standbyUrl,
        `SELECT 1 FROM product WHERE title = 'Paused lamp'`,
      );
      expect(onStandby.rowCount).toBe(0);
    });

    const resumed = await readFromStandby('/api/v1/products/search?q=Paused');
    expect(titles(resumed)).toEqual(['Paused lamp']);
  });

  it('should go by the replayed WAL position, not by a catalog version that looks new enough', async () => {
    // Lowering a counter on the primary, unseen by the paused standby, leaves the standby's
    // version above the primary's after the write: only its replay position shows what it lacks.
    await pausedReplay(async () => {
      await query(primaryUrl, 'UPDATE catalog_version SET version = version - 10 WHERE id = 1');
      const before = await reads(app(), 'primary_replica_behind');
      await createProduct(app().http, { title: 'Unversioned lamp' });
      const [onPrimary, onStandby] = await Promise.all(
        [primaryUrl, standbyUrl].map((url) =>
          query(url, 'SELECT sum(version)::int AS version FROM catalog_version'),
        ),
      );
      expect(onStandby.rows[0].version).toBeGreaterThan(onPrimary.rows[0].version as number);

      const found = await request(app().http).get('/api/v1/products/search?q=Unversioned');
      expect(titles(found)).toEqual(['Unversioned lamp']);
      expect(await reads(app(), 'primary_replica_behind')).toBe(before + 1);
    });
  });

  it('should answer conditional reads and writes from the primary', async () => {
    const product = await createProduct(app().http, { title: 'Conditional lamp', price: '5.00' });
    const listed = await readFromStandby('/api/v1/products/search?q=Conditional');
    await pausedReplay(async () => {
      const targets = ['replica', 'primary_replica_behind', 'primary_replica_down'];
      const before = await Promise.all(targets.map((target) => reads(app(), target)));

      const updated = await request(app().http)
        .patch(`/api/v1/products/${product.id}`)
        .send({ price: '7.00' })
        .expect(200);
      expect(updated.body.price).toBe('7.00');
      // The standby still holds the catalog version and the row version from before the PATCH:
      // it would answer the first revalidation 304 and the second 200.
      const revalidated = await request(app().http)
        .get('/api/v1/products/search?q=Conditional')
        .set('If-None-Match', listed.headers.etag)
        .expect(200);
      expect(revalidated.body.items).toMatchObject([{ id: product.id, price: '7.00' }]);
      await request(app().http)
        .get(`/api/v1/products/${product.id}`)
        .set('If-None-Match', updated.headers.etag)
        .expect(304);
      const onStandby = await query(standbyUrl, 'SELECT price::text FROM product WHERE id = $1', [
        product.id,
      ]);
      expect(onStandby.rows).toEqual([{ price: '5.00' }]);
      // Conditional requests and writes never ask the standby at all.
      expect(await Promise.all(targets.map((target) => reads(app(), target)))).toEqual(before);
    });
  });

  it('should read from the primary, without an error, while the standby is down', async () => {
    await replayed();
    await standby?.stop();
    const created = await createProduct(app().http, { title: 'Lonely lamp' });
    const before = await reads(app(), 'primary_replica_down');

    const found = await request(app().http).get('/api/v1/products/search?q=Lonely').expect(200);
    expect(titles(found)).toEqual(['Lonely lamp']);
    await request(app().http).get(`/api/v1/products/${created.id}`).expect(200);
    expect(await reads(app(), 'primary_replica_down')).toBe(before + 2);
  });
});

/**
 * A server in DATABASE_READ_URLS that replays no WAL (a logical replica, or here a plain second
 * database) shares neither the primary's WAL positions nor its row versions (`xmin`, behind ETags).
 * This one holds a product the primary does not and a catalog version far ahead of it, so it
 * would look caught up by its version alone: every answer shows that it is never read.
 */
describe('Read replicas: a server that is not a standby (e2e)', () => {
  let plain: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    plain = await createTestDatabase();
    await query(
      plain.url,
      `INSERT INTO product (id, title, sku, price) OVERRIDING SYSTEM VALUE
       VALUES (900001, 'Plain lamp', 'PLAIN-1', 5)`,
    );
    await query(plain.url, 'UPDATE catalog_version SET version = 1000000 WHERE id = 1');
    t = await createTestApp({ DATABASE_READ_URLS: plain.url });
    await createProduct(t.http, { title: 'Primary lamp' });
  });

  afterAll(async () => {
    await t.close();
    await plain.drop();
  });

  it('should read from the primary, never from a server that replays no WAL', async () => {
    const before = await reads(t, 'primary_not_standby');
    const fromReplica = await reads(t, 'replica');

    const found = await request(t.http).get('/api/v1/products/search?q=lamp').expect(200);
    expect(titles(found)).toEqual(['Primary lamp']);
    await request(t.http).get('/api/v1/products/900001').expect(404);
    expect(await reads(t, 'primary_not_standby')).toBe(before + 2);
    expect(await reads(t, 'replica')).toBe(fromReplica);
  });
});
