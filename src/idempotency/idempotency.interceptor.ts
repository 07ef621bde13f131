import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DomainError, ValidationFailedError } from '../common/errors/domain-error';
import { codePointLength } from '../common/text';
import { IdempotencyRepository } from './idempotency.repository';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { joiningTransaction } from '../common/request-context';

const HEADER = 'idempotency-key';
const REPLAYED_HEADERS = ['location', 'etag'];

/** JSON with object keys sorted, so that the same body always has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function fingerprintOf(method: string, route: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${route}\n${canonical(body)}`)
    .digest('hex');
}

function keyOf(request: Request): string | undefined {
  const key = request.headers[HEADER];
  if (key === undefined) return undefined;
  if (
    typeof key !== 'string' ||
    codePointLength(key) > 255 ||
    key.length === 0 ||
    /\p{Cc}/u.test(key)
  ) {
    throw new ValidationFailedError([
      {
        field: 'Idempotency-Key',
        message: 'Idempotency-Key must be 1 to 255 characters without control characters',
      },
    ]);
  }
  return key;
}

/**
 * Idempotent creates: a POST retried with the same Idempotency-Key and body within 24 hours answers
 * the first response again and creates nothing; another body is a 422, a retry while the first is
 * in flight a 409. Keys live in PostgreSQL, so they survive restarts and are shared by replicas.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = keyOf(request);
    if (key === undefined) return next.handle();
    return from(this.handle(key, request, response, next));
  }

  private async handle(
    key: string,
    request: Request,
    response: Response,
    next: CallHandler,
  ): Promise<unknown> {
    // The path itself, not the route template: the same body posted to /products/1/reviews and to
    // /products/2/reviews is another request.
    const fingerprint = fingerprintOf(
      request.method,
      `${request.baseUrl}${request.path}`,
      request.body,
    );
    const held = await this.keys.claim(key, fingerprint);
    if (held !== undefined) {
      if (held !== null && held.fingerprint !== fingerprint) {
        throw new DomainError(
          'idempotency_key_reused',
          'This Idempotency-Key was used with another request.',
        );
      }
      if (held === null || held.status === null) {
        throw new DomainError(
          'idempotency_in_flight',
          'A request with this Idempotency-Key is still in flight.',
        );
      }
      response.status(held.status);
      for (const [name, value] of Object.entries(held.headers ?? {}))
        response.setHeader(name, value);
      response.setHeader('Idempotent-Replayed', 'true');
      return held.response;
    }

    // The create and the stored answer commit together: a failure in between can never leave a
    // created resource whose key a retry would take over and create again.
    const runner = this.dataSource.createQueryRunner();
    let committing = false;
    try {
      await runner.startTransaction();
      const body = await joiningTransaction(runner.manager, async () => {
        const created: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        const headers = Object.fromEntries(
          REPLAYED_HEADERS.flatMap((name) => {
            const value = response.getHeader(name);
            return value === undefined ? [] : [[name, String(value)]];
          }),
        );
        await this.keys.complete(key, 201, created, headers);
        return created;
      });
      committing = true;
      await runner.commitTransaction();
      return body;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      // A commit that failed may still have happened: keep the claim, which a retry takes over
      // after a minute if it did not (and which replays the answer if it did). A claim that
      // cannot be released is taken over the same way.
      if (!committing) await this.keys.release(key).catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
