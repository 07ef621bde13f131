import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, validateConfig } from './config/configuration';
import { dataSourceOptions } from './database/data-source-options';

/** Runs pending migrations against DATABASE_URL and exits: the deployment's migration job. */
async function migrate(): Promise<void> {
  const config = validateConfig(process.env);
  if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL must be set to run migrations');
  const dataSource = new DataSource(
    dataSourceOptions({ url: config.DATABASE_URL, poolSize: 1, runMigrations: false }),
  );
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    console.log(
      `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ') || 'none pending'}`,
    );
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
