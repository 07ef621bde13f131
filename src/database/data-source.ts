import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { validateConfig } from '../config/configuration';
import { dataSourceOptions } from './data-source-options';
import { EMBEDDED_DATABASE } from './embedded-postgres';

// Used by the TypeORM CLI only (`npm run migration:*`). Without DATABASE_URL it targets the
// embedded server, which must be running (start the service once with `npm run serve`).
const config = validateConfig(process.env);
export default new DataSource(
  dataSourceOptions({
    url:
      config.DATABASE_URL ??
      `postgres://postgres:postgres@127.0.0.1:${config.EMBEDDED_PG_PORT}/${EMBEDDED_DATABASE}`,
    poolSize: 2,
    runMigrations: false,
  }),
);
