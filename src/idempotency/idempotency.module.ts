import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';

const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyKey])],
  providers: [IdempotencyRepository, IdempotencyInterceptor],
  exports: [IdempotencyRepository, IdempotencyInterceptor],
})
export class IdempotencyModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  private cleanup?: NodeJS.Timeout;

  constructor(private readonly keys: IdempotencyRepository) {}

  /** Expired keys are ignored when met; this only keeps the table small. */
  onApplicationBootstrap(): void {
    this.cleanup = setInterval(() => {
      this.keys
        .deleteExpired()
        .catch((error: Error) => this.logger.warn(`Cleanup failed: ${error.message}`));
    }, CLEANUP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.cleanup);
  }
}
