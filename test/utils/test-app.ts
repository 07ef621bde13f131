import { Type } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { Test } from '@nestjs/testing';
import { NestExpressApplication } from '@nestjs/platform-express';
import { App } from 'supertest/types';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp } from '../../src/app.setup';
import { validateConfig } from '../../src/config/configuration';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: NestExpressApplication;
  http: App;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The whole application, in process, on a fresh migrated database of its own. */
export async function createTestApp(
  /** Settings; a variable set to undefined is unset, so its production default applies. */
  env: Record<string, string | undefined> = {},
  extra: {
    controllers?: Type[];
    /** Modules of the test's own (say, one whose controller declares a new kind of route). */
    modules?: Type[];
    logDestination?: Writable;
    /** A database to use as it is (migrations run at start) instead of a fresh copy of the template. */
    database?: TestDatabase;
  } = {},
): Promise<TestApp> {
  const database = extra.database ?? (await createTestDatabase());
  const config = validateConfig({
    LOG_LEVEL: 'silent',
    DB_RUN_MIGRATIONS: String(extra.database !== undefined),
    SHUTDOWN_DRAIN_MS: '0',
    // Suites fire thousands of requests from one address; those that test the limit set their own.
    RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        config,
        databaseUrl: database.url,
        logging: { destination: extra.logDestination },
      }),
      ...(extra.modules ?? []),
    ],
    controllers: extra.controllers ?? [],
  }).compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>(APP_OPTIONS));
  await app.init();
  return {
    app,
    http: app.getHttpServer() as App,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
