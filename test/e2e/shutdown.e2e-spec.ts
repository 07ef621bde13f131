import { Controller, Get } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from '../utils/test-app';

/** A request that spends 800 ms in the database. */
@Controller('test-slow')
class SlowController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async slow(): Promise<{ slept: true }> {
    await this.dataSource.query('SELECT pg_sleep(0.8)');
    return { slept: true };
  }
}

describe('Graceful shutdown (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ SHUTDOWN_DRAIN_MS: '400' }, { controllers: [SlowController] });
    await t.app.listen(0, '127.0.0.1');
  });
  afterAll(() => t.database.drop());

  it('should turn readiness to 503 at once and finish slow requests in flight before closing the pool', async () => {
    const url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    await request(url).get('/health').expect(200);
    const inFlight = Array.from({ length: 5 }, () => request(url).get('/api/v1/test-slow'));
    const sent = Promise.all(inFlight.map((call) => call.then((response) => response)));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const closing = t.app.close(); // what SIGTERM does in main.ts
    await new Promise((resolve) => setTimeout(resolve, 50));
    const readiness = await request(url).get('/health');
    expect(readiness.status).toBe(503);
    expect(readiness.body.code).toBe('database_unavailable');

    const responses = await sent;
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    await closing;
    expect(t.app.get(DataSource).isInitialized).toBe(false);
  });
});
