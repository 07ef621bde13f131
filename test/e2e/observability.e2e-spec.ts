import { Controller, Get } from '@nestjs/common';
import { PassThrough } from 'node:stream';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { createCategory, createProduct } from '../factories/catalog.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const SERIES = [
  'catalog_http_request_duration_seconds_bucket',
  'catalog_http_requests_total',
  'catalog_http_requests_in_flight',
  'catalog_http_errors_total',
  'catalog_db_query_duration_seconds_bucket',
  'catalog_db_pool_connections',
  'catalog_search_requests_total',
  'catalog_search_result_count_bucket',
  'catalog_search_zero_results_total',
  'catalog_product_mutations_total',
  'catalog_category_mutations_total',
  'catalog_category_rule_failures_total',
  'process_cpu_user_seconds_total',
  'nodejs_heap_size_used_bytes',
];

/** Log lines the app wrote since the last call. */
class LogCapture extends PassThrough {
  private lines: Array<Record<string, unknown>> = [];

  constructor() {
    super();
    let pending = '';
    this.on('data', (chunk: Buffer) => {
      const parts = (pending + chunk.toString()).split('\n');
      pending = parts.pop() ?? '';
      this.lines.push(
        ...parts.filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
      );
    });
  }

  drain(): Array<Record<string, unknown>> {
    return this.lines.splice(0);
  }
}

/** A request that spends 200 ms in the database, and one that does nothing. */
@Controller('test-timing')
class TimingController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('slow')
  async slow(): Promise<{ ok: true }> {
    await this.dataSource.query('SELECT pg_sleep(0.2)');
    return { ok: true };
  }

  @Get('fast')
  fast(): { ok: true } {
    return { ok: true };
  }
}

describe('Observability (e2e)', () => {
  let t: TestApp;
  const logs = new LogCapture();
  const api = () => request(t.http);
  const metrics = async () => (await api().get('/metrics').expect(200)).text;
  const seriesOf = (text: string) =>
    text.split('\n').filter((line) => line && !line.startsWith('#'));
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeAll(async () => {
    t = await createTestApp(
      { LOG_LEVEL: 'info', SLOW_REQUEST_MS: '100' },
      { logDestination: logs, controllers: [TimingController] },
    );
  });
  afterAll(() => t.close());

  it('should expose every series with route templates and bounded labels after a mix of requests', async () => {
    const root = await createCategory(t.http);
    await api().post('/api/v1/categories').send({ name: root.name }).expect(409);
    await api().post('/api/v1/categories').send({ name: 'x', parent_id: 987654321 }).expect(422);
    const product = await createProduct(t.http, { category_id: root.id });
    await api().patch(`/api/v1/products/${product.id}`).send({ price: '1.00' }).expect(200);
    await api().get(`/api/v1/products/search?q=nothing-at-all`).expect(200);
    await api().get(`/api/v1/products/search?category_id=${root.id}`).expect(200);
    await api().get('/api/v1/products/987654321').expect(404);
    await api().get('/health').expect(200);
    await settle();

    const text = await metrics();
    for (const name of SERIES) expect(text).toContain(name);
    expect(text).toMatch(
      /catalog_http_requests_total\{method="GET",route="\/api\/v1\/products\/:id",status_class="4xx"\} 1/,
    );
    expect(text).toMatch(/catalog_http_errors_total\{status="404",code="not_found"\} 1/);
    expect(text).toMatch(/catalog_category_rule_failures_total\{reason="duplicate"\} 1/);
    expect(text).toMatch(/catalog_category_rule_failures_total\{reason="unknown_parent"\} 1/);
    expect(text).toMatch(
      /catalog_product_mutations_total\{operation="update",outcome="success"\} 1/,
    );
    expect(text).toMatch(/catalog_search_zero_results_total 1/);
    expect(text).toMatch(/catalog_db_pool_connections\{state="idle"\} \d+/);
    expect(text).toMatch(/catalog_db_query_duration_seconds_count\{operation="select"\} \d+/);
    expect(text).not.toMatch(/route="\/health|route="\/metrics/);
    expect(text).toMatch(/le="0.2",method="GET",route="\/api\/v1\/products\/search"/);
  });

  it('should add no series for 10,000 requests to random ids', async () => {
    const paths = (id: number) => [
      `/api/v1/categories/${id}`,
      `/api/v1/products/${id}`,
      `/api/v1/products/x${id}`,
    ];
    const httpSeries = async () => {
      await settle();
      return seriesOf(await metrics())
        .filter(
          (line) =>
            line.startsWith('catalog_http') && !line.startsWith('catalog_http_requests_in_flight'),
        )
        .map((line) => line.replace(/ \S+$/, ''));
    };
    await Promise.all(paths(987654321).map((path) => api().get(path)));
    const before = await httpSeries();

    for (let batch = 0; batch < 100; batch++) {
      const ids = Array.from({ length: 34 }, () => Math.floor(Math.random() * 1e12) + 1);
      await Promise.all(
        ids
          .flatMap(paths)
          .slice(0, 100)
          .map((path) => api().get(path)),
      );
    }
    const added = (await httpSeries()).filter((series) => !before.includes(series));
    expect(added).toEqual([]);
  }, 180_000); // 10,000 requests take a while on a busy 2-core machine

  it('should write exactly one warning, with the request id and database time, for a request over the threshold', async () => {
    logs.drain();
    await api().get('/api/v1/test-timing/slow').set('X-Request-Id', 'slow-one').expect(200);
    await api().get('/api/v1/test-timing/fast').set('X-Request-Id', 'fast-one').expect(200);
    await settle();
    const warnings = logs.drain().filter((line) => line.msg === 'Slow request');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      request_id: 'slow-one',
      method: 'GET',
      route: '/api/v1/test-timing/slow',
      status: 200,
      duration_ms: expect.any(Number),
      db_statements: 1,
    });
    expect(warnings[0].duration_ms).toBeGreaterThanOrEqual(200);
    expect(warnings[0].db_ms).toBeGreaterThanOrEqual(190);
  });

  it('should carry a client request id in its log lines, with route, status, size and client address', async () => {
    logs.drain();
    await createProduct(t.http, { title: 'Logged\u2028line "breaker"' });
    await api()
      .get('/api/v1/products/search?q=Logged')
      .set('X-Request-Id', 'client-chosen-id')
      .expect(200);
    await settle();
    const lines = logs
      .drain()
      .filter((line) => (line.req as { id?: string } | undefined)?.id === 'client-chosen-id');
    expect(lines.map((line) => line.msg)).toEqual(['search', 'request completed']);
    expect(lines[1]).toMatchObject({
      level: 30,
      route: '/api/v1/products/search',
      res: { status: 200 },
      response_bytes: expect.any(Number),
      responseTime: expect.any(Number),
      req: {
        method: 'GET',
        url: '/api/v1/products/search?q=Logged',
        remote_address: expect.any(String),
        client_address: expect.any(String),
      },
    });
    expect(lines[0]).toMatchObject({ q: 'Logged', total: 1 });
  });
});
