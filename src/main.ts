import { tracing } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp } from './app.setup';
import { ConfigError, validateConfig } from './config/configuration';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';

/**
 * Pending connections the kernel queues for us (capped by net.core.somaxconn): with Node's default
 * of 511, a burst of 1,000 new connections had its excess SYNs dropped, retried a second or more
 * later, and that was the tail of the 1,000-connection run.
 */
const LISTEN_BACKLOG = 4096;

/** A taken port is a configuration error, `message` naming its setting; any other error as it is. */
const portTakenAs = (message: string) => (error: unknown) => {
  throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new ConfigError(message) : error;
};

async function bootstrap(): Promise<void> {
  const config = validateConfig(process.env);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.DATABASE_URL) {
    embedded = await startEmbeddedPostgres(config.EMBEDDED_PG_DIR, config.EMBEDDED_PG_PORT).catch(
      portTakenAs(
        `EMBEDDED_PG_PORT ${config.EMBEDDED_PG_PORT} is already in use: stop what holds it, or set EMBEDDED_PG_PORT to a free port`,
      ),
    );
  }
  const databaseUrl = config.DATABASE_URL ?? embedded!.url;

  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      config,
      databaseUrl,
      logging: { pretty: process.stdout.isTTY && process.env.NODE_ENV !== 'production' },
    }),
    APP_OPTIONS,
  ).catch(async (error: unknown) => {
    await embedded?.stop();
    throw error;
  });
  configureApp(app);
  if (embedded) {
    Logger.log(
      `No DATABASE_URL: using embedded PostgreSQL in ${config.EMBEDDED_PG_DIR}`,
      'Database',
    );
  }
  // Nest hands its first argument to Node's server.listen, which also takes an options object.
  const listenOptions = { port: config.PORT, backlog: LISTEN_BACKLOG };
  await app.listen(listenOptions as unknown as number).catch(async (error: unknown) => {
    // embedded-postgres only signals its server at exit, without waiting: stop it here, so that
    // it does not outlive the process holding its port and data folder.
    await app.close().catch(() => undefined);
    await embedded?.stop();
    portTakenAs(`PORT ${config.PORT} is already in use`)(error);
  });
  Logger.log(`Listening on port ${config.PORT}`, 'Bootstrap');

  // Stop accepting, let in-flight requests finish, then close the pool, then the embedded server.
  const shutdown = () => {
    app
      .close()
      .then(() => embedded?.stop())
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Shutdown failed', error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
