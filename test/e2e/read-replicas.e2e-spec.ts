import { Client } from 'pg';
import request from 'supertest';
import { createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { createTestDatabase, TestDatabase } from '../utils/test-database';

/**
 * Routing with DATABASE_READ_URLS. A second database stands in for the replica: it holds a
 * product the primary does not, so every answer shows which database gave it.
 */
describe('Read replicas (e2e)', () => {
  let replica: TestDatabase;
  let replicaOnlyId: number;
  let t: TestApp;

  const onReplica = async (sql: string, parameters: unknown[] = []) => {
    const client = new Client({ connectionString: replica.url });
    await client.connect();
    try {
      return await client.query<Record<string, unknown>>(sql, parameters);
    } finally {
      await client.end();
    }
  };
  /** Pretends the replica has replayed up to `version` of the catalog. */
  const replicaAt = (version: number) =>
    onReplica('UPDATE catalog_version SET version = CASE id WHEN 1 THEN $1 ELSE 0 END', [version]);
  const search = () => request(t.http).get('/api/v1/products/search?q=Standby');
  const reads = async (target: string) => {
    const metrics = await request(t.http).get('/metrics').expect(200);
    const line = new RegExp(`^catalog_db_reads_total\\{target="${target}"\\} (\\d+)$`, 'm');
    return Number(line.exec(metrics.text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    replica = await createTestDatabase();
    const { rows } = await onReplica(
      `INSERT INTO product (id, title, sku, price) OVERRIDING SYSTEM VALUE
       VALUES (900001, 'Standby lamp', 'STANDBY-1', 5) RETURNING id`,
    );
    replicaOnlyId = Number(rows[0].id);
    t = await createTestApp({ DATABASE_READ_URLS: replica.url });
    await createProduct(t.http, { title: 'Primary lamp' });
  });

  afterAll(async () => {
    await t.close();
    await replica.drop();
  });

  it('should answer unconditional reads from a replica that has caught up, tagged with its version', async () => {
    await replicaAt(1_000_000);
    const found = await search().expect(200);
    expect(found.body.items.map((product: { title: string }) => product.title)).toEqual([
      'Standby lamp',
    ]);
    expect(found.headers.etag).toBe('W/"c1000000"');
    await request(t.http).get(`/api/v1/products/${replicaOnlyId}`).expect(200);
  });

  it('should answer conditional reads from the primary', async () => {
    await replicaAt(1_000_000);
    const found = await search().set('If-None-Match', 'W/"c1"').expect(200);
    expect(found.body.total).toBe(0);
    await request(t.http)
      .get(`/api/v1/products/${replicaOnlyId}`)
      .set('If-None-Match', '"1"')
      .expect(404);
  });

  it('should write to the primary and answer a write from it', async () => {
    await replicaAt(1_000_000);
    const created = await createProduct(t.http, { title: 'Written lamp' });
    const updated = await request(t.http)
      .patch(`/api/v1/products/${created.id}`)
      .send({ price: '7.00' })
      .expect(200);
    expect(updated.body.price).toBe('7.00');
    await request(t.http)
      .get(`/api/v1/products/${created.id}`)
      .set('If-None-Match', updated.headers.etag)
      .expect(304);
    const { rowCount } = await onReplica(`SELECT 1 FROM product WHERE title = 'Written lamp'`);
    expect(rowCount).toBe(0);
  });

  it('should read from the primary while the replica lags behind the catalog version', async () => {
    await replicaAt(0);
    const before = await reads('primary_replica_behind');
    const found = await search().expect(200);
    expect(found.body.total).toBe(0);
    expect(await reads('primary_replica_behind')).toBe(before + 1);
  });

  it('should read from the primary when the replica is down', async () => {
    await replica.drop();
    const found = await search().expect(200);
    expect(found.body.total).toBe(0);
    expect(await reads('primary_replica_down')).toBeGreaterThan(0);
  });
});
