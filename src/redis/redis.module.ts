import { Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/configuration';

/**
 * The one Redis connection of this process, shared by every replica's state that lives there
 * (rate-limit budgets, the catalog change token); absent without REDIS_URL.
 */
export class SharedRedis implements OnApplicationShutdown {
  readonly client?: Redis;

  constructor(url: string | undefined) {
    if (!url) return;
    const logger = new Logger('Redis');
    // No offline queue and a short timeout: while Redis is down, commands fail at once, and
    // every caller has a way to go on without it.
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1_000,
    });
    this.client.on('error', (error: Error) => logger.debug(error.message));
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }
}

@Module({
  providers: [
    {
      provide: SharedRedis,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new SharedRedis(config.REDIS_URL),
    },
  ],
  exports: [SharedRedis],
})
export class SharedRedisModule {}
