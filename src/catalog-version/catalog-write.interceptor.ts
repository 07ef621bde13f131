import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, concatMap, Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain-error';
import { CatalogVersion } from './catalog-version.service';

/**
 * After a write that may have committed, the catalog version is forgotten, here and on every
 * replica, before the answer goes out (which, while Redis is unreachable, waits a second).
 */
@Injectable()
export class CatalogWriteInterceptor implements NestInterceptor {
  constructor(private readonly version: CatalogVersion) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { method } = context.switchToHttp().getRequest<Request>();
    if (method === 'GET' || method === 'HEAD') return next.handle();
    return next.handle().pipe(
      concatMap(async (body: unknown) => {
        await this.version.changed();
        return body;
      }),
      catchError(async (error: unknown) => {
        // A DomainError is a refusal, and nothing was written: services throw them before writing
        // or to roll back, and the validation pipe's errors surface here too. Any other error may
        // have come after the commit (a connection lost during COMMIT), so it counts as a write.
        if (!(error instanceof DomainError)) await this.version.changed();
        throw error;
      }),
    );
  }
}
