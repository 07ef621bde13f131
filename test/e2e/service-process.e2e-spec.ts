import { ChildProcess, ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import request from 'supertest';
import { freePort } from '../utils/test-database-server';

interface LogLine {
  msg?: string;
  trace_id?: string;
  span_id?: string;
  req?: { id?: string };
}

/** The real entry point, as `npm run serve` starts it, on the embedded database. */
describe('Service process on the embedded database (e2e)', () => {
  let dataDir: string;
  let embeddedPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'catalog-embedded-'));
    embeddedPort = await freePort();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // A failed test must not leave a service (and its PostgreSQL) holding the data folder.
  const running = new Set<ChildProcess>();
  afterEach(async () => {
    for (const child of running) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  });

  interface RunningService {
    process: ChildProcess;
    url: string;
    startedInMs: number;
    output: string[];
  }

  function serviceEnv(port: number, extraEnv: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(embeddedPort),
      LOG_LEVEL: 'warn',
      ...extraEnv,
    };
    delete env.DATABASE_URL;
    return env;
  }

  /** `src/main.ts` as a process, killed after the test if it is still running. */
  function spawnService(
    env: NodeJS.ProcessEnv,
    stderr: 'inherit' | 'pipe',
  ): ChildProcessByStdio<null, Readable, Readable | null> {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      {
        env,
        stdio: ['ignore', 'pipe', stderr],
      },
    );
    running.add(child);
    child.once('exit', () => running.delete(child));
    // spawn() types its streams from literal stdio options only.
    return child as ChildProcessByStdio<null, Readable, Readable | null>;
  }

  async function start(extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningService> {
    const port = await freePort();
    const child = spawnService(serviceEnv(port, extraEnv), 'inherit');
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) =>
      output.push(...chunk.toString().split('\n').filter(Boolean)),
    );
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    while (Date.now() - started < 30_000) {
      const healthy = await request(url)
        .get('/health')
        .then((response) => response.status === 200)
        .catch(() => false);
      if (healthy) return { process: child, url, startedInMs: Date.now() - started, output };
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
    // A drain long enough for every request of the burst to have connected on a loaded machine
    // (3 s was not, once, with the whole suite running on 2 cores: a request was refused).
    const first = await start({ SHUTDOWN_DRAIN_MS: '10000' });
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
  }, 120_000); // two starts of up to 30 s and the drain

  it('should export traces over OTLP and put trace ids in log lines when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const exports: string[] = [];
    const collector = createServer((incoming, outgoing) => {
      exports.push(incoming.url ?? '');
      incoming.resume();
      incoming.on('end', () => outgoing.writeHead(200).end());
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    try {
      const service = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LOG_LEVEL: 'info',
      });
      await request(service.url)
        .get('/api/v1/products/search?q=traced')
        .set('X-Request-Id', 'traced-1')
        .expect(200);
      const deadline = Date.now() + 10_000;
      while (!exports.includes('/v1/traces') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(exports).toContain('/v1/traces');

      const completionLine = () =>
        service.output
          .map((line) => JSON.parse(line) as LogLine)
          .find((line) => line.msg === 'request completed' && line.req?.id === 'traced-1');
      while (!completionLine() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const completion = completionLine();
      expect(completion?.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(completion?.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(await stop(service.process)).toBe(0);
    } finally {
      collector.close();
    }
  });

  /** Runs a service that should fail to start: its exit code and its stdout and stderr together. */
  async function runToExit(port: number): Promise<{ code: number | null; output: string }> {
    const child = spawnService(serviceEnv(port), 'pipe');
    let output = '';
    for (const stream of [child.stdout, child.stderr!])
      stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, output };
  }

  it('should exit non-zero with one line naming PORT, and stop the embedded PostgreSQL, when the port is taken', async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, resolve));
    const { port } = occupant.address() as AddressInfo;
    try {
      const { code, output } = await runToExit(port);

      expect(code).not.toBe(0);
      expect(output.trim().split('\n')).toEqual([`PORT ${port} is already in use`]);
      // Stopped before the exit: its port refuses connections and its lock file is gone.
      const refused = await new Promise<string | undefined>((resolve) => {
        const socket = connect(embeddedPort, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(undefined);
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      });
      expect(refused).toBe('ECONNREFUSED');
      expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    } finally {
      occupant.close();
    }
  });

  it('should exit non-zero with one line naming EMBEDDED_PG_PORT when the embedded PostgreSQL port is taken', async () => {
    // What a PostgreSQL left running by an earlier start, on another data folder, looks like.
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(embeddedPort, '127.0.0.1', resolve));
    try {
      const { code, output } = await runToExit(await freePort());

      expect(code).not.toBe(0);
      expect(output.trim().split('\n')).toEqual([
        `EMBEDDED_PG_PORT ${embeddedPort} is already in use: stop what holds it, or set EMBEDDED_PG_PORT to a free port`,
      ]);
      expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    } finally {
      occupant.close();
    }
  });
});
