import { Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { SharedRedis, SharedRedisModule } from '../redis/redis.module';

/**
 * Request budgets: in Redis when REDIS_URL is set, so every replica counts the same requests,
 * in memory otherwise. When Redis is unreachable the budget fails open: a request is never
 * refused or failed because the rate limiter's store is down.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly store: ThrottlerStorage;

  constructor(redis: SharedRedis) {
    this.store = redis.client
      ? new ThrottlerStorageRedisService(redis.client)
      : new ThrottlerStorageService();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.store.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.warn(
        `Rate limit store unavailable, request allowed: ${(error as Error).message}`,
      );
      return { totalHits: 0, timeToExpire: ttl, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onApplicationShutdown(): void {
    (this.store as Partial<OnApplicationShutdown>).onApplicationShutdown?.();
  }
}

/** Provides the storage to ThrottlerModule's async options. */
@Module({
  imports: [SharedRedisModule],
  providers: [RateLimitStorage],
  exports: [RateLimitStorage],
})
export class RateLimitStorageModule {}
