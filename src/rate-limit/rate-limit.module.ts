import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/configuration';
import { RATE_LIMIT_WINDOW_MS, RateLimitGuard } from './rate-limit.guard';
import { RateLimitStorage, RateLimitStorageModule } from './rate-limit.storage';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [AppConfig, RateLimitStorage],
      useFactory: (config: AppConfig, storage: RateLimitStorage) => ({
        throttlers: [
          { ttl: RATE_LIMIT_WINDOW_MS, limit: Math.max(1, config.RATE_LIMIT_PER_MINUTE) },
        ],
        skipIf: () => config.RATE_LIMIT_PER_MINUTE === 0,
        storage,
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
