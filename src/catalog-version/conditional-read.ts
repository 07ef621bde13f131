import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { Request } from 'express';

/**
 * What a read is tagged with: `row`, the version of the one resource it answers (the handler
 * returns it as a Tagged body); `catalog`, the catalog version, read before the handler runs.
 */
export type ReadTag = 'row' | 'catalog';

/** The tag of a read, or how to choose it from the request (a row read that includes related data). */
export type ReadTagOf = ReadTag | ((request: Request) => ReadTag);

export const READ_TAG = 'catalog:read-tag';

/** A read's body with the ETag of the resource it shows. */
export class Tagged<T> {
  constructor(
    readonly etag: string,
    readonly body: T,
  ) {}
}

export type CatalogRead = Request & { catalogVersion?: string };

/**
 * Declares a conditional read: it answers an ETag, and 304 with no body while If-None-Match
 * names it (see CatalogVersionInterceptor). Documents both.
 */
export const ConditionalRead = (tag: ReadTagOf) =>
  applyDecorators(
    SetMetadata(READ_TAG, tag),
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
