import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { startTestDatabaseServer } from './test-database-server';
import { TEMPLATE_DATABASE, databaseUrl, recreateDatabase } from './test-database';

/** Starts the test PostgreSQL and migrates a template database that every test file copies. */
export default async function globalSetup(): Promise<void> {
  const server = await startTestDatabaseServer();
  (globalThis as { testDatabaseServer?: unknown }).testDatabaseServer = server;
  process.env.TEST_ADMIN_URL = server.adminUrl;

  await recreateDatabase(server.adminUrl, TEMPLATE_DATABASE);
  const dataSource = new DataSource(
    dataSourceOptions({
      url: databaseUrl(server.adminUrl, TEMPLATE_DATABASE),
      poolSize: 1,
      runMigrations: false,
    }),
  );
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  await dataSource.destroy();
  console.log(`\nTests run on PostgreSQL from ${server.kind}`);
}
