import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import type { CatalogVersion } from '../catalog-version/catalog-version.service';
import { ifNoneMatchMatches } from './etag';
import { ApiProblems } from './dto/problem-details.dto';

/**
 * Sets the ETag of a read and answers 304 with no body when If-None-Match names it; otherwise
 * answers the body.
 */
export function tagged<T>(
  response: Response,
  etag: string,
  ifNoneMatch: string | undefined,
  body: () => T,
): T | undefined {
  response.setHeader('ETag', etag);
  if (!ifNoneMatchMatches(ifNoneMatch, etag)) return body();
  response.status(304);
  return undefined;
}

/**
 * A list or search, tagged with the catalog version read before it runs: answers 304 with no body,
 * and without running it, while the catalog has not changed.
 */
export async function taggedByCatalog<T>(
  version: CatalogVersion,
  response: Response,
  ifNoneMatch: string | undefined,
  read: (catalogVersion: string) => Promise<T>,
): Promise<T | undefined> {
  const catalogVersion = await version.current();
  const etag = `W/"c${catalogVersion}"`;
  response.setHeader('ETag', etag);
  // `*` would also match a list of a category that does not exist: only a real tag answers 304.
  if (ifNoneMatch?.trim() !== '*' && ifNoneMatchMatches(ifNoneMatch, etag)) {
    response.status(304);
    return undefined;
  }
  return read(catalogVersion);
}

/** Documents If-None-Match and the 304 of a conditional read. */
export const ApiConditionalRead = () =>
  applyDecorators(
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

/** Documents If-Match and the 412 of a conditional write. */
export const ApiConditionalWrite = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'An ETag from a GET: the write happens only if the resource is unchanged since',
    }),
    ApiProblems(412),
  );
