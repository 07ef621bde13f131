import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { concatMap, from, map, Observable, of } from 'rxjs';
import { ifNoneMatchMatches } from '../common/etag';
import { CatalogVersion } from './catalog-version.service';

/**
 * What a read is tagged with: `row`, the version of the one resource it answers (the handler
 * returns it as a Tagged body); `catalog`, the catalog version, read before the handler runs.
 */
export type ReadTag = 'row' | 'catalog';

/** The tag of a read, or how to choose it from the request (a row read that includes related data). */
type ReadTagOf = ReadTag | ((request: Request) => ReadTag);

const READ_TAG = 'catalog:read-tag';

/** A read's body with the ETag of the resource it shows. */
export class Tagged<T> {
  constructor(
    readonly etag: string,
    readonly body: T,
  ) {}
}

type CatalogRead = Request & { catalogVersion?: string };

/**
 * Answers ETag and 304 for reads declared with @ConditionalRead: a catalog-tagged read whose
 * If-None-Match still matches answers 304 without running the handler at all.
 */
@Injectable()
export class ConditionalReadInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly catalogVersion: CatalogVersion,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<CatalogRead>();
    const response = context.switchToHttp().getResponse<Response>();
    const ifNoneMatch = request.headers['if-none-match'];
    /** Sets the ETag; true (and status 304) when If-None-Match names it. */
    const notModified = (etag: string, anyMatches = true) => {
      response.setHeader('ETag', etag);
      if (!anyMatches && ifNoneMatch?.trim() === '*') return false;
      if (!ifNoneMatchMatches(ifNoneMatch, etag)) return false;
      response.status(304);
      return true;
    };

    const tagOf = this.reflector.get<ReadTagOf>(READ_TAG, context.getHandler());
    if ((typeof tagOf === 'function' ? tagOf(request) : tagOf) === 'row') {
      return next
        .handle()
        .pipe(
          map((tagged: Tagged<unknown>) => (notModified(tagged.etag) ? undefined : tagged.body)),
        );
    }
    return from(this.catalogVersion.current()).pipe(
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

/**
 * Declares a conditional read: it answers an ETag, and 304 with no body while If-None-Match
 * names it. Documents both.
 */
export const ConditionalRead = (tag: ReadTagOf) =>
  applyDecorators(
    SetMetadata(READ_TAG, tag),
    UseInterceptors(ConditionalReadInterceptor),
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'An ETag from an earlier answer: 304 when it still matches',
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: the ETag in If-None-Match still matches; no body',
    }),
  );

/** The catalog version a catalog-tagged read runs at (the key of its cached results). */
export const ReadVersion = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<CatalogRead>().catalogVersion!,
);
