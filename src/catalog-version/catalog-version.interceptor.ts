import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { catchError, concatMap, from, map, Observable, of } from 'rxjs';
import { DomainError } from '../common/errors/domain-error';
import { ifNoneMatchMatches } from '../common/etag';
import { CatalogVersion } from './catalog-version.service';
import { CatalogRead, READ_TAG, ReadTagOf, Tagged } from './conditional-read';

/**
 * The catalog version around every request, in one interceptor (each costs every request):
 * - after a write that may have committed, the version is forgotten, here and on every replica,
 *   before the answer goes out (which, while Redis is unreachable, waits a second);
 * - a read declared with @ConditionalRead answers its ETag, and 304 while If-None-Match names it;
 *   a catalog-tagged one whose If-None-Match still matches answers 304 without running the
 *   handler at all.
 */
@Injectable()
export class CatalogVersionInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly version: CatalogVersion,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<CatalogRead>();
    if (request.method !== 'GET' && request.method !== 'HEAD') return this.write(next);
    const tagOf = this.reflector.get<ReadTagOf | undefined>(READ_TAG, context.getHandler());
    if (tagOf === undefined) return next.handle();
    return this.conditionalRead(tagOf, request, context.switchToHttp().getResponse(), next);
  }

  private write(next: CallHandler): Observable<unknown> {
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

  private conditionalRead(
    tagOf: ReadTagOf,
    request: CatalogRead,
    response: Response,
    next: CallHandler,
  ): Observable<unknown> {
    const ifNoneMatch = request.headers['if-none-match'];
    /** Sets the ETag; true (and status 304) when If-None-Match names it. */
    const notModified = (etag: string, anyMatches = true) => {
      response.setHeader('ETag', etag);
      if (!anyMatches && ifNoneMatch?.trim() === '*') return false;
      if (!ifNoneMatchMatches(ifNoneMatch, etag)) return false;
      response.status(304);
      return true;
    };

    if ((typeof tagOf === 'function' ? tagOf(request) : tagOf) === 'row') {
      return next
        .handle()
        .pipe(
          map((tagged: Tagged<unknown>) => (notModified(tagged.etag) ? undefined : tagged.body)),
        );
    }
    return from(this.version.current()).pipe(
      concatMap((version) => {
        // `*` would also match a list of a category that does not exist: only a real tag answers 304.
        if (notModified(`W/"c${version}"`, false)) return of(undefined);
        request.catalogVersion = version;
        return next
          .handle()
          .pipe(map((body: unknown) => (body instanceof Tagged ? (body.body as unknown) : body)));
      }),
    );
  }
}
