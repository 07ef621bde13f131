import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Declares an idempotent POST (Idempotency-Key, see IdempotencyInterceptor) and documents it. */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Retrying with the same key and body within 24 hours answers the first response again and writes nothing; another body or path is a 422, a retry while the first is in flight a 409',
    }),
  );
