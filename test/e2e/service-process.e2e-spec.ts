import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '../utils/test-database-server';

/** The real entry point, as `npm run serve` starts it, on the embedded database. */
describe('Service process on the embedded database (e2e)', () => {
  let dataDir: string;
  let embeddedPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'catalog-embedded-'));
    embeddedPort = await freePort();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  async function start(): Promise<{ process: ChildProcess; url: string; startedInMs: number }> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(embeddedPort),
      LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      {
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    while (Date.now() - started < 30_000) {
      const healthy = await request(url)
        .get('/health')
        .then((response) => response.status === 200)
        .catch(() => false);
      if (healthy) return { process: child, url, startedInMs: Date.now() - started };
      if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill('SIGKILL');
    throw new Error('service did not answer /health 200 within 30 s');
  }

  async function stop(child: ChildProcess): Promise<number | null> {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }

  it('should serve /health within 30 s, keep data across a restart, and finish in-flight requests on SIGTERM', async () => {
    const first = await start();
    expect(first.startedInMs).toBeLessThan(30_000);
    const created = await request(first.url)
      .post('/api/v1/categories')
      .send({ name: 'Survivor' })
      .expect(201);

    // A burst in flight when SIGTERM arrives: every request still gets its answer.
    const burst = Array.from({ length: 30 }, (_, index) =>
      request(first.url)
        .post('/api/v1/categories')
        .send({ name: `Burst ${index}` }),
    );
    const firstAnswered = Promise.race(burst);
    await firstAnswered;
    const exitCode = stop(first.process);
    const statuses = (await Promise.all(burst)).map((response) => response.status);
    expect(statuses).toEqual(Array<number>(30).fill(201));
    expect(await exitCode).toBe(0);

    const second = await start();
    await request(second.url)
      .get(`/api/v1/categories/${created.body.id}`)
      .expect(200, created.body);
    const all = await request(second.url).get('/api/v1/categories?limit=100').expect(200);
    expect(all.body.total).toBe(31);
    expect(await stop(second.process)).toBe(0);
  });
});
