import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, concatMap, Observable } from 'rxjs';
import { CatalogVersion } from './catalog-version.service';

/**
 * After any write, successful or not, the catalog version is forgotten, here and on every replica,
 * before the answer goes out.
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
        await this.version.changed();
        throw error;
      }),
    );
  }
}
