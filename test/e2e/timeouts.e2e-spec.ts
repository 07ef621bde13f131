import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from '../utils/test-app';

/** A request that would hold its connection for two seconds. */
@Controller('test-hog')
class HogController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async hog(): Promise<{ done: true }> {
    await this.dataSource.query('SELECT pg_sleep(2)');
    return { done: true };
  }
}

describe('Database time limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      { DB_STATEMENT_TIMEOUT_MS: '1000', DB_POOL_TIMEOUT_MS: '300', DB_POOL_SIZE: '1' },
      { controllers: [HogController] },
    );
  });
  afterAll(() => t.close());

  it('should cancel a statement past the statement timeout and answer a 503 problem', async () => {
    const started = Date.now();
    const response = await request(t.http).get('/api/v1/test-hog').expect(503);
    expect(Date.now() - started).toBeLessThan(1_900); // cancelled at 1 s, not after the 2 s sleep
    expect(response.body).toMatchObject({ code: 'database_unavailable' });
  });

  it('should answer 503 when no pooled connection frees up within the pool timeout', async () => {
    const hog = request(t.http)
      .get('/api/v1/test-hog')
      .then((response) => response);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const waiting = await request(t.http).get('/api/v1/categories');
    expect(waiting.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(900); // gave up at 300 ms, long before the hog ends
    expect((await hog).status).toBe(503);
    await request(t.http).get('/api/v1/categories').expect(200);
  });
});
