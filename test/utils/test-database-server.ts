import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export interface TestDatabaseServer {
  /** A URL on which the tests may create and drop databases. */
  adminUrl: string;
  kind: 'TEST_DATABASE_URL' | 'testcontainers' | 'embedded';
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startContainer(): Promise<TestDatabaseServer | undefined> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch {
    return undefined; // no Docker engine answers
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:16-alpine').start();
  return {
    adminUrl: container.getConnectionUri(),
    kind: 'testcontainers',
    stop: async () => void (await container.stop()),
  };
}

async function startEmbedded(): Promise<TestDatabaseServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'catalog-test-pg-'));
  const embedded = await startEmbeddedPostgres(dataDir, await freePort());
  return {
    adminUrl: embedded.adminUrl,
    kind: 'embedded',
    // The data folder is the run's own: nothing of it is kept.
    stop: async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The PostgreSQL server for a test run: TEST_DATABASE_URL when set, else a Testcontainers
 * PostgreSQL when a Docker engine answers, else an embedded PostgreSQL in a temporary folder.
 */
export async function startTestDatabaseServer(): Promise<TestDatabaseServer> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return { adminUrl: url, kind: 'TEST_DATABASE_URL', stop: () => Promise.resolve() };
  return (await startContainer()) ?? (await startEmbedded());
}
