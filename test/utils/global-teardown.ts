import type { TestDatabaseServer } from './test-database-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { testDatabaseServer?: TestDatabaseServer }).testDatabaseServer;
  await server?.stop();
}
